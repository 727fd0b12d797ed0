package dev.kiln.activities.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.hf.HfModelDirectory;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.EncoderFlavor;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kiln's BERT and RoBERTa against transformers' own logits for the fixtures infra/hf-fixtures/make_fixtures.py
 * wrote (golden.json), then as Kiln architectures: trained with the one Trainer and resumed bitwise.
 */
class BertModelTest {

  private static final Device CPU = Device.cpu();
  private static final double TOLERANCE = 1e-4;

  @ParameterizedTest
  @ValueSource(strings = {"bert", "roberta"})
  void logitsAreTransformersLogits(String fixture) throws Exception {
    try (HfModelDirectory directory = HfModelDirectory.open(fixture(fixture));
        BertModel model = BertModel.fromHf(directory, 0, CPU)) {
      double worst = maxAbsDifference(model, golden(fixture));
      System.out.printf("%s: max abs logit difference to transformers %.3g%n", fixture, worst);
      assertTrue(worst <= TOLERANCE, fixture + " differs from transformers by " + worst);
    }
  }

  /** The comparison can fail: without the head's own bias (a mistake the fixtures' random biases expose) it does. */
  @ParameterizedTest
  @ValueSource(strings = {"bert", "roberta"})
  void aModelMissingTheOutputBiasDoesNotMatch(String fixture) throws Exception {
    try (HfModelDirectory directory = HfModelDirectory.open(fixture(fixture));
        BertModel model = BertModel.fromHf(directory, 0, CPU)) {
      String bias = fixture.equals("bert") ? "cls.predictions.bias" : "lm_head.bias";
      GradMode.offOnThisThread();
      model.parameters().get(bias).set(new NDIndex(":"), 0f);
      assertTrue(maxAbsDifference(model, golden(fixture)) > 100 * TOLERANCE);
    }
  }

  @Test
  void parameterNamesAreTransformersNames() throws Exception {
    try (HfModelDirectory directory = HfModelDirectory.open(fixture("bert"));
        BertModel model = BertModel.fromHf(directory, 0, CPU)) {
      assertEquals(directory.weights().stored().keySet(), model.parameters().keySet(),
          "every stored tensor (the tied decoder is not stored) is one parameter of the same name");
      assertTrue(model.parameters().containsKey("cls.predictions.transform.dense.weight"));
      assertEquals(new ai.djl.ndarray.types.Shape(32, 16),
          model.parameters().get("bert.encoder.layer.0.intermediate.dense.weight").getShape(), "[out, in]");
    }
    try (HfModelDirectory directory = HfModelDirectory.open(fixture("roberta"));
        BertModel model = BertModel.fromHf(directory, 0, CPU)) {
      assertEquals(directory.weights().stored().keySet(), model.parameters().keySet());
      assertTrue(model.parameters().containsKey("lm_head.layer_norm.weight"));
      assertEquals(model.parameterCount(), model.architecture().parameterCount());
    }
  }

  /**
   * An untied checkpoint (tie_word_embeddings false) brings its own decoder weight and bias: made here from the
   * fixture's tied ones, so transformers' logits still apply, and the head must read them, not the embeddings.
   */
  @Test
  void anUntiedHeadUsesItsOwnDecoder(@TempDir Path dir) throws Exception {
    Path source = fixture("bert");
    ObjectMapper json = new ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode config =
        (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(Files.readAllBytes(source.resolve("config.json")));
    config.put("tie_word_embeddings", false);
    Files.write(dir.resolve("config.json"), json.writeValueAsBytes(config));
    try (HfModelDirectory tied = HfModelDirectory.open(source); NDManager manager = NDManager.newBaseManager(CPU)) {
      ai.djl.ndarray.NDList tensors = new ai.djl.ndarray.NDList();
      for (String name : tied.checkpoint().names()) {
        tensors.add(named(manager, tied, name, name));
      }
      tensors.add(named(manager, tied, "bert.embeddings.word_embeddings.weight", "cls.predictions.decoder.weight"));
      tensors.add(named(manager, tied, "cls.predictions.bias", "cls.predictions.decoder.bias"));
      Files.write(dir.resolve("model.safetensors"), tensors.encode(ai.djl.ndarray.NDList.Encoding.SAFETENSORS));
    }
    try (HfModelDirectory directory = HfModelDirectory.open(dir);
        BertModel model = BertModel.fromHf(directory, 0, CPU)) {
      assertTrue(model.parameters().containsKey("cls.predictions.decoder.weight"));
      assertTrue(maxAbsDifference(model, golden("bert")) <= TOLERANCE);
      GradMode.offOnThisThread();
      model.parameters().get("cls.predictions.decoder.bias").set(new NDIndex(":"), 0f);
      assertTrue(maxAbsDifference(model, golden("bert")) > 100 * TOLERANCE, "the decoder's own bias is used");
    }
  }

  private static NDArray named(NDManager manager, HfModelDirectory directory, String tensor, String name)
      throws java.io.IOException {
    NDArray array = manager.create(directory.checkpoint().floats(tensor),
        new ai.djl.ndarray.types.Shape(directory.checkpoint().tensor(tensor).dims()));
    array.setName(name);
    return array;
  }

  /** Data parallelism splits a BERT's batch across replicas like any Kiln model's. */
  @Test
  void dataParallelStepsMatchOneDevice() {
    TrainingConfig config = config(EncoderFlavor.BERT, 0.0).toBuilder().batchSize(5).build();
    int[] stream = new SplittableRandom(3).ints(3000, 2, 40).toArray();
    PretrainingObjective batches = PretrainingObjective.of(Objective.MLM, stream, config.shape(), 5, config.seed());
    try (Trainer single = new Trainer(config.shape(), config, CPU);
        Trainer parallel = new Trainer(config.shape(), config, java.util.List.of(CPU, CPU))) {
      single.initialise();
      parallel.initialise();
      for (int step = 0; step < 3; step++) {
        TrainingBatch batch = batches.batch(step);
        assertEquals(single.trainStep(step, batch), parallel.trainStep(step, batch), 1e-5, "loss at step " + step);
      }
      for (var p : parallel.model().parameters().entrySet()) {
        assertArrayEquals(single.model().parameters().get(p.getKey()).toFloatArray(), p.getValue().toFloatArray(),
            2e-5f, p.getKey());
      }
    }
  }

  @Test
  void robertaNumbersPositionsFromThePadIdAndPaddingChangesNothingElse() throws Exception {
    try (HfModelDirectory directory = HfModelDirectory.open(fixture("roberta"));
        BertModel model = BertModel.fromHf(directory, 0, CPU);
        NDManager step = model.newStepManager()) {
      int pad = model.architecture().padTokenId();
      assertArrayEquals(new long[] {2, 3, 1, 4}, model.architecture().positionIds(new int[] {0, 5, pad, 7}, 1, 4));
      int[] plain = {0, 56, 4, 225, 79};
      int[] padded = {0, 56, 4, 225, 79, pad, pad};
      NDArray short5 = model.forward(step, plain, 1, 5, false);
      NDArray long7 = model.forward(step, padded, 1, 7, false);
      for (int t = 0; t < 5; t++) {
        assertArrayEquals(short5.get(0, t).toFloatArray(), long7.get(0, t).toFloatArray(), 1e-5f, "position " + t);
      }
      assertThrows(IllegalArgumentException.class, () -> model.forward(step, new int[33], 1, 33, false),
          "34 position rows leave 32 positions after the pad id");
    }
  }

  @ParameterizedTest
  @EnumSource(EncoderFlavor.class)
  void trainsWithKilnsTrainerAndTheLossFalls(EncoderFlavor flavor) {
    TrainingConfig config = config(flavor, 0.0);
    PretrainingObjective batches = PretrainingObjective.of(Objective.MLM, repetitive(), config.shape(), 8, config.seed());
    try (Trainer trainer = new Trainer(config.shape(), config, CPU)) {
      assertTrue(trainer.model() instanceof BertModel, "the config asks for " + flavor);
      trainer.initialise();
      double first = trainer.trainStep(0, batches.batch(0));
      double last = first;
      for (int step = 1; step < 40; step++) {
        last = trainer.trainStep(step, batches.batch(step));
      }
      System.out.printf("%s: MLM loss %.4f at step 0, %.4f at step 39%n", flavor, first, last);
      assertTrue(last < first - 0.5, flavor + " loss fell from " + first + " to only " + last);
    }
  }

  @ParameterizedTest
  @EnumSource(EncoderFlavor.class)
  void resumeIsBitwiseIdentical(EncoderFlavor flavor) {
    TrainingConfig config = config(flavor, 0.1);
    int[] stream = new SplittableRandom(5).ints(3000, 2, 40).toArray();
    PretrainingObjective batches = PretrainingObjective.of(Objective.MLM, stream, config.shape(), 8, config.seed());
    double[] uninterrupted = new double[12];
    String uninterruptedHash;
    try (Trainer a = new Trainer(config.shape(), config, CPU)) {
      a.initialise();
      for (int step = 0; step < 12; step++) {
        uninterrupted[step] = a.trainStep(step, batches.batch(step));
      }
      uninterruptedHash = a.parameterHash();
    }
    byte[] model;
    byte[] optimizer;
    try (Trainer b = new Trainer(config.shape(), config, CPU)) {
      b.initialise();
      for (int step = 0; step < 6; step++) {
        b.trainStep(step, batches.batch(step));
      }
      try (Trainer.StateCopy copy = b.copyState()) {
        model = copy.model();
        optimizer = copy.optimizer();
      }
    }
    try (Trainer c = new Trainer(config.shape(), config, CPU)) {
      c.restore(model, optimizer, 6);
      for (int step = 6; step < 12; step++) {
        assertEquals(uninterrupted[step], c.trainStep(step, batches.batch(step)), "loss at step " + step);
      }
      assertEquals(uninterruptedHash, c.parameterHash());
    }
  }

  /** An exported Kiln BERT reads back through the Hugging Face importer with the same parameters and logits. */
  @ParameterizedTest
  @EnumSource(EncoderFlavor.class)
  void anExportedModelImportsBackBitwise(EncoderFlavor flavor, @TempDir Path dir) throws Exception {
    TrainingConfig config = config(flavor, 0.1);
    try (BertModel model = (BertModel) TransformerModel.create(config, config.shape(), CPU)) {
      model.initialise(7);
      BertHfExport.write(model, dir);
      JsonNode written = new ObjectMapper().readTree(Files.readAllBytes(dir.resolve("config.json")));
      assertEquals(flavor.id(), written.get("model_type").asText());
      try (HfModelDirectory directory = HfModelDirectory.open(dir);
          BertModel back = BertModel.fromHf(directory, 0, CPU);
          NDManager step = model.newStepManager()) {
        assertEquals(model.architecture(), back.architecture());
        assertEquals(model.parameterCount(), model.architecture().parameterCount());
        assertEquals(model.parameterHash(), back.parameterHash());
        int[] tokens = {5, 9, 40, 3, TrainingBatch.PAD};
        assertArrayEquals(model.forward(step, tokens, 1, 5, false).toFloatArray(),
            back.forward(step, tokens, 1, 5, false).toFloatArray());
      }
    }
  }

  @Test
  void theDefaultEncoderIsStillKilnsAndFlavorsAreForMlmOnly() {
    TrainingConfig kiln = config(EncoderFlavor.BERT, 0).toBuilder().encoderFlavor(null).build();
    try (TransformerModel model = TransformerModel.create(kiln, kiln.shape(), CPU)) {
      assertTrue(model instanceof EncoderModel);
    }
    assertEquals(-1, kiln.toString().indexOf("encoderFlavor"), "a config without a flavor hashes as before");
    assertThrows(IllegalArgumentException.class,
        () -> config(EncoderFlavor.BERT, 0).toBuilder().objective(Objective.CLM).build());
  }

  private static TrainingConfig config(EncoderFlavor flavor, double dropout) {
    ModelShape shape = new ModelShape(Objective.MLM.modelVocabSize(40, 24), 24, 32, 2, 4);
    return TrainingConfig.builder().shape(shape).objective(Objective.MLM).batchSize(8).steps(40)
        .learningRate(1e-2, 1e-3).warmupSteps(10).weightDecay(0.1).gradClip(1.0).dropout(dropout).seed(42)
        .checkpointEvery(20).device("cpu").manifestKey("manifest").encoderFlavor(flavor).build();
  }

  private static int[] repetitive() {
    int[] stream = new int[3000];
    for (int i = 0; i < stream.length; i++) {
      stream[i] = 2 + (i * 7) % 12;
    }
    return stream;
  }

  /** The largest |Kiln - transformers| over every logit of every golden case. */
  static double maxAbsDifference(BertModel model, JsonNode golden) {
    double worst = 0;
    for (JsonNode c : golden.get("cases")) {
      int[] ids = new int[c.get("input_ids").size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = c.get("input_ids").get(i).asInt();
      }
      try (NDManager step = model.newStepManager()) {
        NDArray logits = model.forward(step, ids, 1, ids.length, false);
        for (int t = 0; t < ids.length; t++) {
          float[] row = logits.get(0, t).toFloatArray();
          JsonNode expected = c.get("logits").get(t);
          assertEquals(expected.size(), row.length, "vocabulary");
          for (int v = 0; v < row.length; v++) {
            worst = Math.max(worst, Math.abs(row[v] - expected.get(v).asDouble()));
          }
        }
      }
    }
    return worst;
  }

  static Path fixture(String name) throws URISyntaxException {
    return Path.of(BertModelTest.class.getResource("/hf/" + name + "/config.json").toURI()).getParent();
  }

  static JsonNode golden(String name) throws Exception {
    return new ObjectMapper().readTree(Files.readAllBytes(fixture(name).resolve("golden.json")));
  }
}
