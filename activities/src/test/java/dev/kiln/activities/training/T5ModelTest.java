package dev.kiln.activities.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.hf.HfModelDirectory;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.T5Variant;
import dev.kiln.workflows.training.TrainingConfig;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Kiln's T5 against transformers' own logits, and trained with Kiln's trainer and span corruption. */
class T5ModelTest {
  private static final Device CPU = Device.cpu();
  private static final ObjectMapper JSON = new ObjectMapper();
  /** transformers' fp32 logits are written to 7 significant digits, at most about 3 here. */
  private static final double LOGIT_TOLERANCE = 1e-4;
  private static final int TOKENIZER_VOCAB = 40;
  private static final int CONTEXT = 24;
  private static final ModelShape SHAPE =
      new ModelShape(Objective.SPAN_CORRUPTION.modelVocabSize(TOKENIZER_VOCAB, CONTEXT), CONTEXT, 32, 2, 4);

  @ParameterizedTest
  @ValueSource(strings = {"t5-v1_0", "t5-v1_1"})
  void logitsMatchTransformers(String fixture) throws Exception {
    Path dir = fixture(fixture);
    JsonNode golden = JSON.readTree(dir.resolve("golden.json").toFile());
    try (HfModelDirectory hf = HfModelDirectory.open(dir);
        T5Model model = T5HfWeights.load(hf, 64, 0.1, CPU);
        NDManager step = model.newStepManager()) {
      double worst = 0;
      for (JsonNode c : golden.get("cases")) {
        int[] input = ints(c.get("input_ids"));
        int[] decoder = ints(c.get("decoder_input_ids"));
        TrainingBatch batch = new TrainingBatch(1, input.length, input, decoder.length, decoder, new int[decoder.length]);
        NDArray logits = model.logits(step, batch, false);
        assertEquals(decoder.length * (long) hf.config().vocabSize(), logits.size());
        float[] actual = logits.toFloatArray();
        JsonNode expected = c.get("logits");
        for (int t = 0; t < decoder.length; t++) {
          for (int v = 0; v < hf.config().vocabSize(); v++) {
            double e = expected.get(t).get(v).asDouble();
            worst = Math.max(worst, Math.abs(e - actual[t * hf.config().vocabSize() + v]));
          }
        }
      }
      System.out.printf("%s: max abs logit difference vs transformers %.3g%n", fixture, worst);
      assertTrue(worst <= LOGIT_TOLERANCE, fixture + ": max abs logit difference " + worst);
    }
  }

  /** Only the scaling of v1.0's tied output differs here: the comparison above notices a single such slip. */
  @org.junit.jupiter.api.Test
  void aT5WithoutTheDecoderScalingDoesNotMatch() throws Exception {
    Path dir = fixture("t5-v1_0");
    JsonNode c = JSON.readTree(dir.resolve("golden.json").toFile()).get("cases").get(0);
    try (HfModelDirectory hf = HfModelDirectory.open(dir); T5Model right = T5HfWeights.load(hf, 64, 0, CPU)) {
      T5Architecture a = right.architecture();
      T5Architecture unscaled = new T5Architecture(a.vocabSize(), a.contextLength(), a.dModel(), a.dKv(), a.dFf(),
          a.encoderLayers(), a.decoderLayers(), a.heads(), a.relativeBuckets(), a.relativeMaxDistance(),
          a.layerNormEpsilon(), a.activation(), a.gated(), a.tiedHead(), false, a.padTokenId());
      try (T5Model wrong = new T5Model(unscaled, 0, CPU); NDManager step = wrong.newStepManager()) {
        wrong.loadWeights(right.weights());
        int[] input = ints(c.get("input_ids"));
        int[] decoder = ints(c.get("decoder_input_ids"));
        float[] logits = wrong.logits(step,
            new TrainingBatch(1, input.length, input, decoder.length, decoder, new int[decoder.length]), false)
            .toFloatArray();
        double worst = 0;
        for (int v = 0; v < hf.config().vocabSize(); v++) {
          worst = Math.max(worst, Math.abs(c.get("logits").get(0).get(v).asDouble() - logits[v]));
        }
        assertTrue(worst > 100 * LOGIT_TOLERANCE, "unscaled logits differ by only " + worst);
      }
    }
  }

  /** Kiln's checkpoint of a T5 is a transformers state dict: the same names, nothing renamed, nothing extra. */
  @ParameterizedTest
  @ValueSource(strings = {"t5-v1_0", "t5-v1_1"})
  void parameterNamesAreTransformersNames(String fixture) throws Exception {
    try (HfModelDirectory hf = HfModelDirectory.open(fixture(fixture)); T5Model model = T5HfWeights.load(hf, 64, 0, CPU)) {
      java.util.Set<String> expected = new java.util.TreeSet<>();
      for (var tensor : hf.layout().tensors()) {
        if (!hf.weights().tied().containsKey(tensor.name())) {
          expected.add(tensor.name());
        }
      }
      assertEquals(expected, model.parameters().keySet());
      assertEquals(fixture.equals("t5-v1_1"), model.parameters().containsKey("lm_head.weight"));
      assertEquals(model.architecture().parameterCount(), model.parameterCount());
      for (var entry : model.parameters().entrySet()) {
        assertEquals(hf.checkpoint().tensor(entry.getKey()).shape(),
            java.util.Arrays.stream(entry.getValue().getShape().getShape()).boxed().toList(), entry.getKey());
      }
    }
  }

  private static TrainingConfig config(T5Variant variant, int steps, double dropout) {
    return TrainingConfig.builder().shape(SHAPE).objective(Objective.SPAN_CORRUPTION).batchSize(8).steps(steps)
        .learningRate(1e-2, 1e-3).warmupSteps(10).weightDecay(0.1).gradClip(1.0).dropout(dropout).seed(42L)
        .checkpointEvery(20).device("cpu").manifestKey("manifest").t5(variant).build();
  }

  @ParameterizedTest
  @EnumSource(T5Variant.class)
  void spanCorruptionTrainingLowersTheLoss(T5Variant variant) {
    TrainingConfig config = config(variant, 40, 0.0);
    int[] stream = new int[3000];
    for (int i = 0; i < stream.length; i++) {
      stream[i] = 2 + (i * 7) % 12;
    }
    PretrainingObjective batches = PretrainingObjective.of(Objective.SPAN_CORRUPTION, stream, SHAPE, 8, config.seed());
    try (Trainer trainer = new Trainer(SHAPE, config, CPU)) {
      trainer.initialise();
      assertTrue(trainer.model() instanceof T5Model, "the config asks for T5");
      double first = trainer.trainStep(0, batches.batch(0));
      double last = first;
      for (int step = 1; step < 40; step++) {
        last = trainer.trainStep(step, batches.batch(step));
      }
      System.out.printf("%s: span-corruption loss %.3f -> %.3f in 40 steps%n", variant, first, last);
      assertEquals(((T5Model) trainer.model()).architecture().parameterCount(), trainer.parameterCount());
      assertTrue(last < 1.0 && last < first / 3, variant + " loss fell only from " + first + " to " + last);
      // The evaluation reads the checkpoint back as the T5 the config names, and scores it as any encoder-decoder.
      try (TransformerModel loaded = TransformerModel.load(config, SHAPE, trainer.modelState(), CPU)) {
        assertEquals(trainer.parameterHash(), loaded.parameterHash());
        SpanCorruptionEvaluator.Scores scores =
            new SpanCorruptionEvaluator((Seq2SeqModel) loaded, new UnigramBaseline(stream, SHAPE.vocabSize()), () -> {})
                .evaluate(java.util.Arrays.copyOfRange(stream, 7, 7 + 8 * CONTEXT), 8 * CONTEXT, 2, 7);
        assertTrue(scores.loss() < scores.baselineLoss(), scores.toString());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(T5Variant.class)
  void resumeFromACheckpointIsBitwiseIdentical(T5Variant variant) {
    TrainingConfig config = config(variant, 16, 0.1);
    int[] stream = new SplittableRandom(5).ints(3000, 2, TOKENIZER_VOCAB).toArray();
    PretrainingObjective batches = PretrainingObjective.of(Objective.SPAN_CORRUPTION, stream, SHAPE, 8, config.seed());
    double[] uninterrupted = new double[16];
    String uninterruptedHash;
    try (Trainer a = new Trainer(SHAPE, config, CPU)) {
      a.initialise();
      for (int step = 0; step < 16; step++) {
        uninterrupted[step] = a.trainStep(step, batches.batch(step));
      }
      uninterruptedHash = a.parameterHash();
    }
    byte[] model;
    byte[] optimizer;
    try (Trainer b = new Trainer(SHAPE, config, CPU)) {
      b.initialise();
      for (int step = 0; step < 8; step++) {
        assertEquals(uninterrupted[step], b.trainStep(step, batches.batch(step)), "loss at step " + step);
      }
      try (Trainer.StateCopy copy = b.copyState()) {
        model = copy.model();
        optimizer = copy.optimizer();
      }
    }
    try (Trainer c = new Trainer(SHAPE, config, CPU)) {
      c.restore(model, optimizer, 8);
      for (int step = 8; step < 16; step++) {
        assertEquals(uninterrupted[step], c.trainStep(step, batches.batch(step)), "loss at step " + step);
      }
      assertEquals(uninterruptedHash, c.parameterHash());
    }
  }

  static Path fixture(String name) throws URISyntaxException {
    return Path.of(T5ModelTest.class.getResource("/hf/" + name + "/config.json").toURI()).getParent();
  }

  private static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }
}
