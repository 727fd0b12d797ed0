package dev.kiln.activities.hf.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.hf.HfModelConfig;
import dev.kiln.activities.hf.HfModelDirectory;
import dev.kiln.activities.hf.SafetensorsFile;
import dev.kiln.activities.tokenizer.BpeTokenizer;
import dev.kiln.activities.tokenizer.ByteLevelBpeTrainer;
import dev.kiln.activities.tokenizer.ReservedTokens;
import dev.kiln.activities.training.EncoderDecoderModel;
import dev.kiln.activities.training.SpanCorruption;
import dev.kiln.activities.training.T5Architecture;
import dev.kiln.activities.training.T5HfWeights;
import dev.kiln.activities.training.T5Model;
import dev.kiln.activities.training.T5Sentinels;
import dev.kiln.activities.training.TrainingBatch;
import dev.kiln.activities.training.TransformerModel;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.T5Variant;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A T5 export read back without Python: transformers' own T5s (the fixtures) go through Kiln's T5 and the export and
 * come back with transformers' logits and config; a T5 Kiln trains from scratch exports with its sentinels at the ids
 * span corruption used; and what is not such a T5 is refused by name.
 */
class T5HfExportTest {
  private static final Device CPU = Device.cpu();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double LOGIT_TOLERANCE = 1e-4;
  private static final String CARD = "---\nlibrary_name: transformers\npipeline_tag: text2text-generation\n---\n";
  private static final int CONTEXT = 64; // 3 spans, so 3 sentinels
  private static byte[] kilnTokenizer; // as trained, without the sentinels
  private static ModelShape shape;

  @BeforeAll
  static void trainTokenizer() {
    String text = "the quick brown fox jumps over the lazy dog; the dog sleeps, the fox runs and the hen clucks. ";
    kilnTokenizer = new ByteLevelBpeTrainer(270).train(List.of(text.repeat(20))).getBytes(StandardCharsets.UTF_8);
    try (BpeTokenizer tokenizer = BpeTokenizer.load(kilnTokenizer, "test")) {
      shape = new ModelShape(
          Objective.SPAN_CORRUPTION.modelVocabSize(tokenizer.vocabSize(), CONTEXT), CONTEXT, 32, 2, 4);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"t5-v1_0", "t5-v1_1"})
  void transformersT5sComeBackWithTheirLogitsAndConfig(String fixture, @TempDir Path out) throws Exception {
    Path dir = fixture(fixture);
    try (HfModelDirectory hf = HfModelDirectory.open(dir); T5Model model = T5HfWeights.load(hf, 64, 0.1, CPU)) {
      write(out, T5HfExport.files(model.weights(), model.architecture(), 0.1,
          Files.readAllBytes(dir.resolve("tokenizer.json")), CARD, Map.of("objective", "span_corruption")));
    }
    // The maths-deciding fields, as Kiln reads them (v1.1's fixture leaves scale_decoder_outputs to be derived).
    assertEquals(HfModelConfig.parse(Files.readAllBytes(dir.resolve("config.json")), fixture),
        HfModelConfig.parse(Files.readAllBytes(out.resolve("config.json")), "export"));
    JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
    JsonNode original = JSON.readTree(dir.resolve("config.json").toFile());
    for (String field : List.of("model_type", "architectures", "vocab_size", "d_model", "d_kv", "d_ff", "num_layers",
        "num_decoder_layers", "num_heads", "relative_attention_num_buckets", "relative_attention_max_distance",
        "dropout_rate", "layer_norm_epsilon", "feed_forward_proj", "dense_act_fn", "is_gated_act", "tie_word_embeddings",
        "is_encoder_decoder", "pad_token_id", "eos_token_id", "decoder_start_token_id", "dtype")) {
      assertEquals(original.get(field), config.get(field), field);
    }
    assertEquals(fixture.equals("t5-v1_0"), config.get("scale_decoder_outputs").asBoolean());
    assertEquals("span_corruption", config.path("kiln").path("objective").asText());

    try (SafetensorsFile weights = SafetensorsFile.open(out.resolve("model.safetensors"))) {
      assertEquals(Map.of("format", "pt"), weights.metadata());
      assertFalse(weights.tensors().containsKey("encoder.embed_tokens.weight"));
      assertFalse(weights.tensors().containsKey("decoder.embed_tokens.weight"));
      assertEquals(fixture.equals("t5-v1_1"), weights.tensors().containsKey("lm_head.weight"));
    }
    try (HfModelDirectory exported = HfModelDirectory.open(out)) {
      assertEquals(List.of(), exported.warnings());
      double worst = worstLogitDifference(exported, JSON.readTree(dir.resolve("golden.json").toFile()));
      System.out.printf("%s exported: max abs logit difference vs transformers %.3g%n", fixture, worst);
      assertTrue(worst <= LOGIT_TOLERANCE, fixture + ": max abs logit difference " + worst);
    }
    JsonNode generation = JSON.readTree(out.resolve("generation_config.json").toFile());
    assertEquals(original.get("decoder_start_token_id"), generation.get("decoder_start_token_id"));
    assertEquals(original.get("eos_token_id"), generation.get("eos_token_id"));
    JsonNode tokenizerConfig = JSON.readTree(out.resolve("tokenizer_config.json").toFile());
    assertEquals("<pad>", tokenizerConfig.path("pad_token").asText());
    assertEquals("</s>", tokenizerConfig.path("eos_token").asText());
    assertEquals("<unk>", tokenizerConfig.path("unk_token").asText());
    assertEquals(0, tokenizerConfig.path("extra_ids").asInt(), "the fixtures' tokenizers have no sentinels");
  }

  /** Kiln's T5 of each variant, from scratch, with the tokenizer of its run: sentinels where span corruption put them. */
  @ParameterizedTest
  @EnumSource(T5Variant.class)
  void aKilnT5ExportsWithItsSentinelsAtTheModelsIds(T5Variant variant, @TempDir Path out) throws Exception {
    T5Architecture architecture = T5Architecture.of(shape, variant);
    int spans = Objective.SPAN_CORRUPTION.reservedTokens(CONTEXT);
    byte[] tokenizerJson = ReservedTokens.addTo(kilnTokenizer, Objective.SPAN_CORRUPTION, shape.vocabSize(), CONTEXT);
    String hash;
    try (T5Model model = new T5Model(architecture, 0, CPU)) {
      model.initialise(7);
      hash = model.parameterHash();
      write(out, T5HfExport.files(model.weights(), architecture, 0.1, tokenizerJson, CARD, Map.of()));
    }
    JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
    assertEquals(TrainingBatch.PAD, config.get("pad_token_id").asInt(), "Kiln's <|pad|>");
    assertEquals(TrainingBatch.PAD, config.get("decoder_start_token_id").asInt(), "span corruption's decoder start");
    assertEquals(variant == T5Variant.V1_0 ? "relu" : "gated-gelu", config.get("feed_forward_proj").asText());
    assertEquals(variant == T5Variant.V1_0, config.get("tie_word_embeddings").asBoolean());
    assertEquals(variant == T5Variant.V1_0, config.get("scale_decoder_outputs").asBoolean());

    JsonNode tokenizerConfig = JSON.readTree(out.resolve("tokenizer_config.json").toFile());
    JsonNode specialTokens = JSON.readTree(out.resolve("special_tokens_map.json").toFile());
    List<String> sentinels = new ArrayList<>();
    try (BpeTokenizer tokenizer = BpeTokenizer.load(Files.readAllBytes(out.resolve("tokenizer.json")), "export")) {
      assertEquals(config.get("eos_token_id").asInt(), tokenizer.eosId());
      for (int i = 0; i < spans; i++) {
        sentinels.add("<extra_id_" + i + ">");
        int id = SpanCorruption.sentinel(shape.vocabSize(), i);
        assertArrayEquals(new int[] {id}, tokenizer.encode("<extra_id_" + i + ">"), "sentinel " + i);
        assertEquals("<extra_id_" + i + ">", tokenizerConfig.path("added_tokens_decoder").path(Integer.toString(id))
            .path("content").asText());
        assertTrue(tokenizerConfig.path("added_tokens_decoder").path(Integer.toString(id)).path("special").asBoolean());
      }
    }
    assertEquals(sentinels, JSON.convertValue(tokenizerConfig.get("extra_special_tokens"), List.class));
    assertEquals(sentinels, JSON.convertValue(specialTokens.get("extra_special_tokens"), List.class));
    assertEquals(spans, tokenizerConfig.path("extra_ids").asInt());
    assertEquals("PreTrainedTokenizerFast", tokenizerConfig.path("tokenizer_class").asText());
    assertEquals(ByteLevelBpeTrainer.PAD, tokenizerConfig.path("pad_token").asText());
    assertEquals(ByteLevelBpeTrainer.END_OF_TEXT, tokenizerConfig.path("eos_token").asText());

    try (HfModelDirectory exported = HfModelDirectory.open(out);
        T5Model back = T5HfWeights.load(exported, CONTEXT, 0, CPU)) {
      assertEquals(List.of(), exported.warnings());
      assertEquals(shape.vocabSize(), T5Sentinels.top(exported.requireTokenizer(), spans).orElseThrow(),
          "<extra_id_0> is the model's last id");
      assertEquals(architecture, back.architecture());
      assertEquals(hash, back.parameterHash(), "every parameter exported unchanged");
    }
  }

  @Test
  void kilnsOwnEncoderDecoderIsNotAT5() {
    byte[] tokenizerJson = ReservedTokens.addTo(kilnTokenizer, Objective.SPAN_CORRUPTION, shape.vocabSize(), CONTEXT);
    byte[] weights;
    try (TransformerModel model = new EncoderDecoderModel(shape, 0, CPU)) {
      model.initialise(1);
      weights = model.weights();
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> T5HfExport.files(
        weights, T5Architecture.of(shape, T5Variant.V1_1), 0, tokenizerJson, CARD, Map.of()));
    assertTrue(e.getMessage().contains("only span-corruption runs with t5 set export as T5"), e.getMessage());
  }

  @Test
  void aTokenizerOfAnotherModelIsRefused() {
    T5Architecture small = T5Architecture.of(new ModelShape(200, CONTEXT, 32, 2, 4), T5Variant.V1_0);
    try (T5Model model = new T5Model(small, 0, CPU)) {
      model.initialise(1);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> T5HfExport.files(model.weights(), small, 0, kilnTokenizer, CARD, Map.of()));
      assertTrue(e.getMessage().contains("but the model only 200 ids"), e.getMessage());
    }
  }

  @Test
  void aGatedErfGeluHasNoTransformersName() {
    T5Architecture a = T5Architecture.of(shape, T5Variant.V1_1);
    T5Architecture erf = new T5Architecture(a.vocabSize(), a.contextLength(), a.dModel(), a.dKv(), a.dFf(),
        a.encoderLayers(), a.decoderLayers(), a.heads(), a.relativeBuckets(), a.relativeMaxDistance(),
        a.layerNormEpsilon(), "gelu", true, a.tiedHead(), a.scaleDecoderOutputs(), a.padTokenId());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> T5HfExport.feedForwardProj(erf));
    assertTrue(e.getMessage().contains("gated-gelu as gelu_new"), e.getMessage());
  }

  /**
   * With {@code -Dkiln.t5.exportDir=DIR}: trains a T5 of each variant 30 steps from scratch on span corruption with
   * Kiln's trainer, exports it to {@code DIR/<variant>/} as a run publishes it, and writes there Kiln's logits and loss
   * on a held-out batch and its tokenizer's ids for a text with a sentinel, for
   * {@code infra/hf-fixtures/check_t5_export.py} to compare with transformers'. Skipped without it.
   */
  @ParameterizedTest
  @EnumSource(T5Variant.class)
  void exportsWhatTransformersLoads(T5Variant variant) throws IOException {
    String exportDir = System.getProperty("kiln.t5.exportDir");
    org.junit.jupiter.api.Assumptions.assumeTrue(exportDir != null, "set kiln.t5.exportDir to export");
    Path out = Files.createDirectories(Path.of(exportDir, variant.id()));
    String text = "the quick brown fox jumps over the lazy dog; the dog sleeps, the fox runs and the hen clucks. ";
    int[] stream;
    try (BpeTokenizer tokenizer = BpeTokenizer.load(kilnTokenizer, "test")) {
      stream = tokenizer.encode(text.repeat(60));
    }
    dev.kiln.workflows.training.TrainingConfig config = dev.kiln.workflows.training.TrainingConfig.builder()
        .shape(shape).objective(Objective.SPAN_CORRUPTION).batchSize(8).steps(30).learningRate(1e-2, 1e-3)
        .warmupSteps(5).weightDecay(0.1).gradClip(1.0).dropout(0.1).seed(11L).checkpointEvery(1000).device("cpu")
        .manifestKey("m").t5(variant).build();
    var batches = dev.kiln.activities.training.PretrainingObjective.of(
        Objective.SPAN_CORRUPTION, stream, shape, config.batchSize(), config.seed());
    byte[] tokenizerJson = ReservedTokens.addTo(kilnTokenizer, Objective.SPAN_CORRUPTION, shape.vocabSize(), CONTEXT);
    try (dev.kiln.activities.training.Trainer trainer = new dev.kiln.activities.training.Trainer(shape, config, CPU)) {
      trainer.initialise();
      for (int step = 0; step < config.steps(); step++) {
        trainer.trainStep(step, batches.batch(step));
      }
      T5Model model = (T5Model) trainer.model();
      write(out, T5HfExport.files(trainer.modelState(), model.architecture(), config.dropout(), tokenizerJson, CARD,
          Map.of("objective", "span_corruption", "t5", variant.id())));
      TrainingBatch heldOut = batches.batch(1000);
      Map<String, Object> kiln = new java.util.LinkedHashMap<>();
      kiln.put("input_ids", rows(heldOut.inputs(), heldOut.rows()));
      kiln.put("labels", rows(heldOut.targets(), heldOut.rows()));
      kiln.put("decoder_input_ids", rows(heldOut.decoderInputs(), heldOut.rows()));
      try (NDManager step = model.newStepManager()) {
        float[] logits = model.logits(step, heldOut, false).toFloatArray();
        kiln.put("logits", logits);
        kiln.put("loss", meanCrossEntropy(logits, heldOut.targets(), shape.vocabSize()));
      }
      String sample = "the lazy <extra_id_0> sleeps<extra_id_1> the <extra_id_2>";
      try (BpeTokenizer tokenizer = BpeTokenizer.load(tokenizerJson, "export")) {
        kiln.put("text", sample);
        kiln.put("text_ids", tokenizer.encode(sample));
      }
      Map<String, Integer> sentinels = new java.util.LinkedHashMap<>();
      for (int i = 0; i < Objective.SPAN_CORRUPTION.reservedTokens(CONTEXT); i++) {
        sentinels.put("<extra_id_" + i + ">", SpanCorruption.sentinel(shape.vocabSize(), i));
      }
      kiln.put("sentinel_ids", sentinels);
      kiln.put("decoder_start_token_id", TrainingBatch.PAD);
      JSON.writeValue(out.resolve("kiln_logits.json").toFile(), kiln);
    }
  }

  private static int[][] rows(int[] flat, int rows) {
    int length = flat.length / rows;
    int[][] out = new int[rows][];
    for (int r = 0; r < rows; r++) {
      out[r] = java.util.Arrays.copyOfRange(flat, r * length, (r + 1) * length);
    }
    return out;
  }

  private static double meanCrossEntropy(float[] logits, int[] targets, int vocab) {
    double sum = 0;
    for (int p = 0; p < targets.length; p++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int v = 0; v < vocab; v++) {
        max = Math.max(max, logits[p * vocab + v]);
      }
      double normaliser = 0;
      for (int v = 0; v < vocab; v++) {
        normaliser += Math.exp(logits[p * vocab + v] - max);
      }
      sum += max + Math.log(normaliser) - logits[p * vocab + targets[p]];
    }
    return sum / targets.length;
  }

  /** The largest difference between the T5 a directory loads into and golden.json's transformers logits. */
  static double worstLogitDifference(HfModelDirectory directory, JsonNode golden) throws IOException {
    int vocab = directory.config().vocabSize();
    double worst = 0;
    try (T5Model model = T5HfWeights.load(directory, 64, 0, CPU); NDManager step = model.newStepManager()) {
      for (JsonNode c : golden.get("cases")) {
        int[] input = ints(c.get("input_ids"));
        int[] decoder = ints(c.get("decoder_input_ids"));
        float[] logits = model.logits(step,
            new TrainingBatch(1, input.length, input, decoder.length, decoder, new int[decoder.length]), false)
            .toFloatArray();
        for (int t = 0; t < decoder.length; t++) {
          for (int v = 0; v < vocab; v++) {
            worst = Math.max(worst, Math.abs(c.get("logits").get(t).get(v).asDouble() - logits[t * vocab + v]));
          }
        }
      }
    }
    return worst;
  }

  static void write(Path dir, Map<String, byte[]> files) throws IOException {
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      Files.write(dir.resolve(file.getKey()), file.getValue());
    }
  }

  private static Path fixture(String name) throws URISyntaxException {
    return Path.of(T5HfExportTest.class.getResource("/hf/" + name + "/config.json").toURI()).getParent();
  }

  private static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }
}
