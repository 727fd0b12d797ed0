package dev.kiln.activities.hf.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.evaluation.SavedModel;
import dev.kiln.activities.hf.HfFileSource;
import dev.kiln.activities.hf.HfImportException;
import dev.kiln.activities.hf.HfModelDirectory;
import dev.kiln.activities.hf.LlamaConfig;
import dev.kiln.activities.training.CausalDecoder;
import dev.kiln.activities.training.GptModel;
import dev.kiln.activities.training.LlamaModel;
import dev.kiln.activities.training.TrainingBatch;
import dev.kiln.activities.training.TransformerModel;
import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.training.Objective;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Llama that transformers saved (the committed fixtures of infra/hf-fixtures) imported into Kiln's Llama, exported
 * again with {@link HfLlamaExport} and read back: the logits are still transformers' (golden.json), config.json says
 * the same maths as the fixture's, the special tokens are the tokenizer's own. No Python.
 */
class HfExportLlamaTest {
  private static final Path FIXTURES = Path.of("src", "test", "resources", "hf");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double BOUND = 1e-4;
  /** The config.json fields that decide a Llama's maths, and its special token ids. */
  private static final List<String> MATHS_FIELDS = List.of("vocab_size", "hidden_size", "intermediate_size",
      "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim", "hidden_act",
      "max_position_embeddings", "rms_norm_eps", "rope_parameters", "attention_bias", "mlp_bias", "tie_word_embeddings",
      "bos_token_id", "eos_token_id", "pad_token_id");

  /** The fixture imported into Kiln's Llama and exported again, as evaluation exports a run. */
  private static Map<String, byte[]> reexport(String fixture) throws IOException {
    Path dir = FIXTURES.resolve(fixture);
    LlamaImport imported;
    try (HfModelDirectory d = HfModelDirectory.open(dir)) {
      imported = LlamaImport.of(d);
    }
    byte[] tokenizer = Files.readAllBytes(dir.resolve("tokenizer.json"));
    try (LlamaModel model = new LlamaModel(imported.shape(), imported.options(), 0, Device.cpu())) {
      model.loadWeights(imported.safetensors());
      return HfLlamaExport.files(model.weights(), imported.shape(), imported.options(), 0.0, tokenizer,
          SpecialTokens.beside(HfFileSource.directory(dir), tokenizer), "---\nlibrary_name: transformers\n---\n",
          Map.of("objective", "clm"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama-gqa-tied", "llama-gqa-untied"})
  void theExportReadBackGivesTransformersLogits(String fixture, @TempDir Path out) throws Exception {
    HfExportFiles.write(out, reexport(fixture));
    SavedModel saved = SavedModel.fromDirectory(HfFileSource.directory(out));
    assertEquals(Objective.CLM, saved.objective());
    double diff = maxDifference(saved, JSON.readTree(FIXTURES.resolve(fixture).resolve("golden.json").toFile()));
    System.out.printf("%s exported and read back: max |Kiln - transformers| logit %.2e (bound %.0e)%n", fixture, diff,
        BOUND);
    assertTrue(diff <= BOUND, "max abs logit difference " + diff);
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama-gqa-tied", "llama-gqa-untied"})
  void configJsonSaysTheFixturesMaths(String fixture) throws IOException {
    JsonNode exported = JSON.readTree(reexport(fixture).get(HfExportFiles.CONFIG));
    JsonNode original = JSON.readTree(FIXTURES.resolve(fixture).resolve("config.json").toFile());
    for (String field : MATHS_FIELDS) {
      assertTrue(exported.has(field), field + " is written out");
      assertEquals(original.get(field), exported.get(field), field);
    }
    assertEquals("llama", exported.path("model_type").asText());
    assertEquals("[\"LlamaForCausalLM\"]", exported.path("architectures").toString());
    assertEquals("silu", exported.path("hidden_act").asText());
    assertEquals("float32", exported.path("dtype").asText());
    assertEquals(HfExportFiles.TRANSFORMERS_VERSION, exported.path("transformers_version").asText());
    assertEquals("clm", exported.path("kiln").path("objective").asText());
  }

  @Test
  void aTiedLlamaSavesNoLmHeadAndTheFileIsTransformers() throws IOException {
    for (String fixture : List.of("llama-gqa-tied", "llama-gqa-untied")) {
      byte[] file = reexport(fixture).get(HfExportFiles.WEIGHTS);
      long headerLength = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
      JsonNode header = JSON.readTree(new String(file, 8, (int) headerLength, StandardCharsets.UTF_8));
      assertEquals("pt", header.path("__metadata__").path("format").asText(), "transformers refuses other formats");
      TreeSet<String> names = new TreeSet<>();
      header.fieldNames().forEachRemaining(names::add);
      names.remove("__metadata__");
      assertEquals(fixture.endsWith("-untied"), names.contains("lm_head.weight"), fixture);
      assertEquals(2 + 9 * 2 + (fixture.endsWith("-untied") ? 1 : 0), names.size(), "embedding, norm, 9 per layer");
      assertTrue(names.contains("model.layers.1.self_attn.k_proj.weight"));
    }
  }

  /** Kiln's own Hugging Face reader opens the export as a Llama, with the tokenizer and nothing to warn about. */
  @Test
  void kilnsHuggingFaceReaderOpensTheExportWithoutWarnings(@TempDir Path out) throws IOException {
    Map<String, byte[]> files = reexport("llama-gqa-untied");
    HfExportFiles.write(out, files);
    assertEquals(List.of("model.safetensors", "config.json", "generation_config.json", "tokenizer.json",
        "tokenizer_config.json", "special_tokens_map.json", "README.md"), List.copyOf(files.keySet()), "card last");
    try (HfModelDirectory read = HfModelDirectory.open(out);
        HfModelDirectory original = HfModelDirectory.open(FIXTURES.resolve("llama-gqa-untied"))) {
      LlamaConfig c = assertInstanceOf(LlamaConfig.class, read.config());
      assertEquals(original.config(), c, "the same LlamaConfig, field by field");
      assertEquals(List.of(), read.warnings());
      assertTrue(read.tokenizer().isPresent());
      assertArrayEquals(original.parameter("model.layers.0.mlp.down_proj.weight"),
          read.parameter("model.layers.0.mlp.down_proj.weight"));
    }
  }

  /** A continued Llama keeps its tokenizer's own tokens: {@code <s>}, {@code </s>}, {@code <unk>}, no pad. */
  @Test
  void tokenizerFilesNameTheLlamasOwnSpecialTokens() throws IOException {
    Map<String, byte[]> files = reexport("llama-gqa-tied");
    assertArrayEquals(Files.readAllBytes(FIXTURES.resolve("llama-gqa-tied/tokenizer.json")),
        files.get(HfExportFiles.TOKENIZER), "tokenizer.json as it was");
    JsonNode config = JSON.readTree(files.get(HfExportFiles.TOKENIZER_CONFIG));
    assertEquals("PreTrainedTokenizerFast", config.path("tokenizer_class").asText());
    assertEquals("<s>", config.path("bos_token").asText());
    assertEquals("</s>", config.path("eos_token").asText());
    assertEquals("<unk>", config.path("unk_token").asText());
    assertFalse(config.has("pad_token"));
    assertFalse(config.has("add_bos_token"), "the tokenizer's post-processor adds <s>; the source did not say otherwise");
    assertEquals(64, config.path("model_max_length").asInt());
    assertEquals("</s>", config.path("added_tokens_decoder").path("2").path("content").asText());
    JsonNode map = JSON.readTree(files.get(HfExportFiles.SPECIAL_TOKENS_MAP));
    assertEquals("<s>", map.path("bos_token").asText());
    assertFalse(map.has("pad_token"));
    JsonNode generation = JSON.readTree(files.get(HfExportFiles.GENERATION_CONFIG));
    assertEquals(1, generation.path("bos_token_id").asInt());
    assertEquals(2, generation.path("eos_token_id").asInt());
    assertFalse(generation.has("pad_token_id"));
    assertFalse(generation.has("max_length"), "would clash with every max_new_tokens");
  }

  @Test
  void whatIsNotALlamaOfTheShapeIsRefusedByName() throws IOException {
    Path dir = FIXTURES.resolve("llama-gqa-tied");
    byte[] tokenizer = Files.readAllBytes(dir.resolve("tokenizer.json"));
    SpecialTokens special = SpecialTokens.beside(HfFileSource.directory(dir), tokenizer);
    LlamaImport tied;
    try (HfModelDirectory d = HfModelDirectory.open(dir)) {
      tied = LlamaImport.of(d);
    }
    LlamaOptions untied = new LlamaOptions(tied.options().keyValueHeads(), tied.options().intermediateSize(),
        tied.options().ropeTheta(), tied.options().rmsNormEps(), false, 0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfLlamaExport.files(
        tied.safetensors(), tied.shape(), untied, 0, tokenizer, special, "", Map.of()));
    assertEquals("checkpoint lacks tensor 'lm_head.weight' of a Llama of shape " + tied.shape() + " and " + untied,
        e.getMessage());
    try (GptModel gpt = new GptModel(tied.shape(), 0, Device.cpu())) {
      gpt.initialise(1);
      e = assertThrows(IllegalArgumentException.class, () -> HfLlamaExport.files(
          gpt.weights(), tied.shape(), tied.options(), 0, tokenizer, special, "", Map.of()));
      assertTrue(e.getMessage().contains("only a Llama's checkpoint exports as a Llama"), e.getMessage());
    }
  }

  /** What Kiln's Llama does not compute is refused by its config.json field, with the value Kiln computes. */
  @Test
  void aLlamaKilnCannotComputeIsRefusedByItsField(@TempDir Path dir) throws Exception {
    String original = Files.readString(FIXTURES.resolve("llama-gqa-tied/config.json"));
    Map<String, String> breaks = Map.of(
        "\"attention_bias\": false", "\"attention_bias\": true",
        "\"hidden_act\": \"silu\"", "\"hidden_act\": \"gelu\"",
        "\"rope_type\": \"default\"", "\"rope_type\": \"linear\", \"factor\": 2.0");
    for (Map.Entry<String, String> b : breaks.entrySet()) {
      Path copy = Files.createDirectories(dir.resolve(Integer.toString(b.getKey().hashCode())));
      Files.copy(FIXTURES.resolve("llama-gqa-tied/tokenizer.json"), copy.resolve("tokenizer.json"));
      List<Float32Tensor> weights = new java.util.ArrayList<>(
          Safetensors.read(Files.readAllBytes(FIXTURES.resolve("llama-gqa-tied/model.safetensors"))));
      if (b.getValue().contains("attention_bias")) { // a biased Llama has its biases: only Kiln's maths refuses it
        for (int layer = 0; layer < 2; layer++) {
          for (String proj : new String[] {"q", "k", "v", "o"}) {
            int size = proj.equals("k") || proj.equals("v") ? 8 : 16;
            weights.add(new Float32Tensor("model.layers." + layer + ".self_attn." + proj + "_proj.bias",
                new long[] {size}, new float[size]));
          }
        }
      }
      Files.write(copy.resolve("model.safetensors"), Safetensors.write(weights, Map.of()));
      assertTrue(original.contains(b.getKey()), b.getKey());
      Files.writeString(copy.resolve("config.json"), original.replace(b.getKey(), b.getValue()));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> SavedModel.fromDirectory(HfFileSource.directory(copy)));
      assertInstanceOf(HfImportException.class, e);
      String field = b.getKey().substring(1, b.getKey().indexOf("\"", 1));
      assertTrue(e.getMessage().contains("config.json: ") && e.getMessage().contains(field), e.getMessage());
    }
  }

  /** Kiln's logits for every golden case against transformers'. */
  static double maxDifference(SavedModel saved, JsonNode golden) {
    double max = 0;
    try (TransformerModel model = saved.load(Device.cpu())) {
      CausalDecoder decoder = assertInstanceOf(LlamaModel.class, model);
      int v = saved.shape().vocabSize();
      for (JsonNode c : golden.get("cases")) {
        int[] ids = new int[c.get("input_ids").size()];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = c.get("input_ids").get(i).asInt();
        }
        try (NDManager step = model.newStepManager()) {
          float[] kiln = decoder.forward(TrainingBatch.tokenArray(step, ids, 1, ids.length), false).toFloatArray();
          for (int t = 0; t < ids.length; t++) {
            for (int k = 0; k < v; k++) {
              max = Math.max(max, Math.abs(kiln[t * v + k] - c.get("logits").get(t).get(k).asDouble()));
            }
          }
        }
      }
    }
    return max;
  }

  @Test
  void anImportedLlamaKeepsTheDefaultHeadDimAsKilnsDefault() throws IOException {
    try (HfModelDirectory d = HfModelDirectory.open(FIXTURES.resolve("llama-gqa-tied"))) {
      LlamaImport imported = LlamaImport.of(d);
      assertEquals(0, imported.options().headDim(), "head_dim = hidden / heads: transformers' default");
      assertEquals(4, imported.options().headDim(imported.shape()));
    }
  }

  /**
   * With {@code -Dkiln.llama.hfExportDir=DIR}: writes two Llama exports for {@code infra/llama-fixtures/check_hf_export.py}
   * to load with {@code AutoModelForCausalLM}/{@code AutoTokenizer} and compare: {@code kiln-bpe/}, a Llama trained
   * here 40 steps with a tokenizer Kiln trained (Kiln's special tokens), and {@code gqa-untied/}, the fixture
   * re-exported with its own tokenizer and tokenizer_config.json. Beside each, {@code kiln_reference.json}: Kiln's ids
   * for the prompts, its logits for them and its greedy continuations. Skipped without the property.
   */
  @Test
  void exportsWhatTransformersLoads() throws IOException {
    String exportDir = System.getProperty("kiln.llama.hfExportDir");
    org.junit.jupiter.api.Assumptions.assumeTrue(exportDir != null, "set kiln.llama.hfExportDir to export");
    Path root = Path.of(exportDir);
    String text = "The kiln fires the clay. The potter shapes the clay, and the kiln hardens it into a pot. ";
    byte[] kilnTokenizer = new dev.kiln.activities.tokenizer.ByteLevelBpeTrainer(300).train(List.of(text.repeat(30)))
        .getBytes(StandardCharsets.UTF_8);
    dev.kiln.workflows.scope.ModelShape shape = new dev.kiln.workflows.scope.ModelShape(300, 64, 32, 2, 4);
    LlamaOptions options = new LlamaOptions(2, 64, 10000.0, 1e-6, true, 0);
    dev.kiln.workflows.training.TrainingConfig config = dev.kiln.workflows.training.TrainingConfig.builder().shape(shape)
        .objective(Objective.CLM).batchSize(8).steps(40).learningRate(1e-2, 1e-3).warmupSteps(5).weightDecay(0.1)
        .gradClip(1.0).seed(7).checkpointEvery(40).device("cpu").manifestKey("m").llama(options).build();
    int[] tokens;
    try (dev.kiln.activities.tokenizer.BpeTokenizer t = dev.kiln.activities.tokenizer.BpeTokenizer.load(kilnTokenizer, "kiln")) {
      tokens = t.encode(text.repeat(30));
    }
    var batches = new dev.kiln.activities.training.CausalLanguageModeling(
        new dev.kiln.activities.training.TokenWindows(tokens, 8, 7), 32);
    try (dev.kiln.activities.training.Trainer trainer = new dev.kiln.activities.training.Trainer(shape, config, Device.cpu())) {
      trainer.initialise();
      for (int step = 0; step < 40; step++) {
        trainer.trainStep(step, batches.batch(step));
      }
      HfExportFiles.write(root.resolve("kiln-bpe"), HfLlamaExport.files(trainer.modelState(), shape, options, 0.0,
          kilnTokenizer, SpecialTokens.kilnDefaults(kilnTokenizer), "---\nlibrary_name: transformers\n---\n", Map.of()));
    }
    HfExportFiles.write(root.resolve("gqa-untied"), reexport("llama-gqa-untied"));
    for (String name : List.of("kiln-bpe", "gqa-untied")) {
      SavedModel saved = SavedModel.fromDirectory(HfFileSource.directory(root.resolve(name)));
      List<Map<String, Object>> cases = new java.util.ArrayList<>();
      try (dev.kiln.activities.tokenizer.BpeTokenizer tokenizer = saved.tokenizer();
          TransformerModel model = saved.load(Device.cpu())) {
        CausalDecoder decoder = (CausalDecoder) model;
        for (String prompt : List.of("The kiln", "the potter shapes", "The kiln fires clay.")) {
          int[] ids = tokenizer.encode(prompt);
          float[] logits;
          try (NDManager step = model.newStepManager()) {
            logits = decoder.forward(TrainingBatch.tokenArray(step, ids, 1, ids.length), false).toFloatArray();
          }
          int[] greedy = new dev.kiln.activities.training.LanguageModelEvaluator(decoder).generate(ids, 16, 0, 0);
          Map<String, Object> c = new java.util.LinkedHashMap<>();
          c.put("prompt", prompt);
          c.put("ids", ids);
          c.put("logits", logits);
          c.put("greedy_ids", greedy);
          c.put("greedy_text", tokenizer.decode(greedy));
          cases.add(c);
        }
      }
      JSON.writeValue(root.resolve(name).resolve("kiln_reference.json").toFile(), Map.of("cases", cases));
    }
  }
}
