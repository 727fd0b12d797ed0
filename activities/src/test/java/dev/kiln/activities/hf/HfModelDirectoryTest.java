package dev.kiln.activities.hf;

import static dev.kiln.activities.hf.HfSafetensorsTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.activities.hf.HfFixtures.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HfModelDirectoryTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest
  @ValueSource(
      strings = {
        "gpt2", "gpt2-fp16", "gpt2-bf16", "gpt2-sharded", "llama-gqa-untied", "llama-gqa-tied", "bert", "roberta",
        "t5-v1_0", "t5-v1_1"
      })
  void everyFixtureOpensAndEveryStoredTensorIsAParameter(String name) throws IOException {
    try (HfModelDirectory model = HfModelDirectory.open(HfFixtures.dir(name))) {
      WeightsMatch weights = model.weights();
      assertEquals(List.of(), weights.unused(), "tensors the layout does not know");
      assertEquals(model.checkpoint().names(), new HashSet<>(weights.stored().values()));
      Set<String> all = new HashSet<>(weights.stored().keySet());
      all.addAll(weights.tied().keySet());
      assertEquals(model.layout().tensors().size(), all.size(), "every parameter is stored or tied");
      for (String tied : weights.tied().values()) {
        assertTrue(weights.stored().containsKey(tied), tied + " is tied to but not stored");
      }
    }
  }

  @Test
  void tiedParametersAreTheOnesTransformersLeavesOut() throws IOException {
    assertEquals(Map.of("lm_head.weight", "transformer.wte.weight"), tied("gpt2"));
    assertEquals(Map.of("lm_head.weight", "transformer.wte.weight"), tied("gpt2-sharded"));
    assertEquals(Map.of("lm_head.weight", "model.embed_tokens.weight"), tied("llama-gqa-tied"));
    assertEquals(Map.of(), tied("llama-gqa-untied"));
    assertEquals(
        Map.of("cls.predictions.decoder.weight", "bert.embeddings.word_embeddings.weight",
            "cls.predictions.decoder.bias", "cls.predictions.bias"),
        tied("bert"));
    assertEquals(
        Map.of("lm_head.decoder.weight", "roberta.embeddings.word_embeddings.weight",
            "lm_head.decoder.bias", "lm_head.bias"),
        tied("roberta"));
    assertEquals(
        Map.of("encoder.embed_tokens.weight", "shared.weight", "decoder.embed_tokens.weight", "shared.weight",
            "lm_head.weight", "shared.weight"),
        tied("t5-v1_0"));
    assertEquals(
        Map.of("encoder.embed_tokens.weight", "shared.weight", "decoder.embed_tokens.weight", "shared.weight"),
        tied("t5-v1_1"));
  }

  @Test
  void aTiedParameterReadsAsTheTensorItSharesAndAnUntiedOneAsItsOwn() throws IOException {
    try (HfModelDirectory gpt2 = HfModelDirectory.open(HfFixtures.dir("gpt2"))) {
      assertArrayEquals(gpt2.parameter("transformer.wte.weight"), gpt2.parameter("lm_head.weight"));
      assertMessage(() -> gpt2.parameter("lm_head.bias"), "lm_head.bias is not a parameter of the gpt2 model");
    }
    try (HfModelDirectory llama = HfModelDirectory.open(HfFixtures.dir("llama-gqa-untied"))) {
      assertFalse(
          Arrays.equals(llama.parameter("model.embed_tokens.weight"), llama.parameter("lm_head.weight")));
    }
  }

  @Test
  void groupedQueryAttentionShapesTheKeyAndValueProjections() throws IOException {
    try (HfModelDirectory llama = HfModelDirectory.open(HfFixtures.dir("llama-gqa-tied"))) {
      SafetensorsCheckpoint weights = llama.checkpoint();
      assertEquals(List.of(16L, 16L), weights.tensor("model.layers.0.self_attn.q_proj.weight").shape());
      assertEquals(List.of(8L, 16L), weights.tensor("model.layers.0.self_attn.k_proj.weight").shape());
      assertEquals(List.of(8L, 16L), weights.tensor("model.layers.1.self_attn.v_proj.weight").shape());
    }
  }

  @Test
  void tokenizersBelongToTheirModels() throws IOException {
    for (String name : HfFixtures.MODELS) {
      try (HfModelDirectory model = HfModelDirectory.open(HfFixtures.dir(name))) {
        HfTokenizerFile tokenizer = model.requireTokenizer();
        assertEquals(model.config().vocabSize(), tokenizer.idCount(), name);
        assertTrue(model.warnings().isEmpty(), name + ": " + model.warnings());
      }
    }
    try (HfModelDirectory t5 = HfModelDirectory.open(HfFixtures.dir("t5-v1_1"))) {
      assertEquals("Unigram", t5.requireTokenizer().modelType());
    }
  }

  @Test
  void djlEncodesTheGoldenTextAsTransformersDid() throws IOException {
    for (String name : HfFixtures.MODELS) {
      Path dir = HfFixtures.dir(name);
      JsonNode golden = JSON.readTree(dir.resolve("golden.json").toFile());
      long[] expected = new long[golden.get("text_input_ids").size()];
      for (int i = 0; i < expected.length; i++) {
        expected[i] = golden.get("text_input_ids").get(i).asLong();
      }
      try (HuggingFaceTokenizer tokenizer =
          HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"), Map.of("truncation", "false"))) {
        assertArrayEquals(expected, tokenizer.encode(golden.get("text").asText(), true, false).getIds(), name);
      }
    }
  }

  @Test
  void goldenLogitsCoverTheVocabularyForEveryCase() throws IOException {
    for (String name : HfFixtures.MODELS) {
      Path dir = HfFixtures.dir(name);
      JsonNode golden = JSON.readTree(dir.resolve("golden.json").toFile());
      int vocab = HfModelConfig.parse(Files.readAllBytes(dir.resolve("config.json")), name).vocabSize();
      assertEquals("float32", golden.get("dtype").asText());
      assertTrue(golden.get("cases").size() >= 2, name);
      for (JsonNode c : golden.get("cases")) {
        JsonNode positions = c.has("decoder_input_ids") ? c.get("decoder_input_ids") : c.get("input_ids");
        assertEquals(positions.size(), c.get("logits").size(), name);
        for (JsonNode row : c.get("logits")) {
          assertEquals(vocab, row.size(), name);
        }
      }
    }
  }

  @Test
  void readmeFrontMatterAndSections() throws IOException {
    try (HfModelDirectory gpt2 = HfModelDirectory.open(HfFixtures.dir("gpt2"))) {
      HfReadme card = gpt2.readme().orElseThrow();
      assertEquals("apache-2.0", card.license());
      assertEquals(List.of("en"), card.languages());
      assertEquals(List.of("kiln/tiny-pottery-corpus"), card.datasets());
      assertEquals(List.of("text-generation", "tiny"), card.tags());
      assertEquals(List.of("openai-community/gpt2"), card.baseModels());
      assertEquals("text-generation", card.pipelineTag());
      assertEquals(List.of("tiny-gpt2", "Intended uses", "Limitations", "Training data"), List.copyOf(card.sections().keySet()));
      assertTrue(card.intendedUses().orElseThrow().startsWith("Tests of the safetensors reader"));
      assertTrue(card.limitations().orElseThrow().contains("The weights are random"));
    }
    try (HfModelDirectory bert = HfModelDirectory.open(HfFixtures.dir("bert"))) {
      assertTrue(bert.readme().isEmpty());
    }
  }

  @Test
  void readmeInHubTemplateAndStringFields() {
    String md =
        "---\nlicense: mit\nlanguage: fr\ndatasets: wikipedia\nbase_model:\n  - a/b\n  - c/d\n---\n# M\n"
            + "## Uses\n### Direct Use\nChat.\n```\n# not a heading\n```\n## Bias, Risks, and Limitations\nMany.\n";
    HfReadme card = HfReadmeParser.parse(md.getBytes(StandardCharsets.UTF_8), "README.md");
    assertEquals("mit", card.license());
    assertEquals(List.of("fr"), card.languages());
    assertEquals(List.of("wikipedia"), card.datasets());
    assertEquals(List.of("a/b", "c/d"), card.baseModels());
    assertEquals(List.of(), card.tags());
    assertEquals("Chat.\n```\n# not a heading\n```", card.section("Direct use").orElseThrow());
    assertEquals("Many.", card.limitations().orElseThrow());
    assertMessage(
        () -> HfReadmeParser.parse("---\nlicense: [\n---\n".getBytes(StandardCharsets.UTF_8), "R.md"),
        "R.md: the front matter is not valid YAML");
  }

  @Test
  void missingTokenizerSaysWhyTheModelsOwnIsNeeded(@TempDir Path tmp) throws IOException {
    Path dir = HfFixtures.copy("gpt2", tmp);
    Files.delete(dir.resolve("tokenizer.json"));
    try (HfModelDirectory model = HfModelDirectory.open(dir)) {
      assertTrue(model.tokenizer().isEmpty());
      HfMissingFileException e = assertThrows(HfMissingFileException.class, model::requireTokenizer);
      assertEquals("tokenizer.json", e.fileName());
      assertMessage(e, dir.toString(), "has no tokenizer.json", "needs the model's own tokenizer");
      assertEquals(1, model.warnings().size());
    }
    Files.writeString(dir.resolve("vocab.json"), "{}");
    Files.writeString(dir.resolve("merges.txt"), "");
    try (HfModelDirectory model = HfModelDirectory.open(dir)) {
      assertMessage(
          assertThrows(HfMissingFileException.class, model::requireTokenizer),
          "It has vocab.json, merges.txt, which Kiln does not read", "AutoTokenizer.from_pretrained");
    }
  }

  @Test
  void aTokenizerFromAnotherModelIsRefused(@TempDir Path tmp) throws IOException {
    Path dir = HfFixtures.copy("llama-gqa-tied", tmp);
    Files.copy(HfFixtures.dir("roberta").resolve("tokenizer.json"), dir.resolve("tokenizer.json"),
        StandardCopyOption.REPLACE_EXISTING);
    assertMessage(() -> HfModelDirectory.open(dir), "tokenizer.json produces ids up to 279",
        "vocab_size is 128", "belongs to another model");
  }

  @Test
  void missingConfigOrWeights(@TempDir Path tmp) throws IOException {
    Path dir = HfFixtures.copy("gpt2", tmp);
    Files.move(dir.resolve("config.json"), dir.resolve("config.json.bak"));
    HfMissingFileException noConfig = assertThrows(HfMissingFileException.class, () -> HfModelDirectory.open(dir));
    assertEquals("config.json", noConfig.fileName());
    assertMessage(noConfig, dir.toString(), "has no config.json");
    Files.move(dir.resolve("config.json.bak"), dir.resolve("config.json"));
    Files.delete(dir.resolve("model.safetensors"));
    assertMessage(() -> HfModelDirectory.open(dir), "has no weights: neither model.safetensors nor");
    Files.writeString(dir.resolve("pytorch_model.bin"), "pickle");
    assertMessage(() -> HfModelDirectory.open(dir), "has pytorch_model.bin", "Kiln reads only safetensors");
  }

  @Test
  void unsupportedModelTypeInADirectory(@TempDir Path tmp) throws IOException {
    Path dir = HfFixtures.copy("gpt2", tmp);
    editConfig(dir, c -> c.put("model_type", "gpt_neox"));
    HfConfigException e = assertThrows(HfConfigException.class, () -> HfModelDirectory.open(dir));
    assertMessage(e, dir.resolve("config.json").toString(), "\"gpt_neox\" is not supported");
  }

  @Test
  void aShapeTheConfigContradictsNamesTheTensorAndBothShapes(@TempDir Path tmp) throws IOException {
    Path dir = HfFixtures.copy("gpt2", tmp);
    editConfig(dir, c -> c.put("n_inner", 32));
    HfWeightsMismatchException e = assertThrows(HfWeightsMismatchException.class, () -> HfModelDirectory.open(dir));
    assertEquals("transformer.h.0.mlp.c_fc.weight", e.tensor());
    assertMessage(
        e,
        "the weights do not match config.json (model_type gpt2",
        "tensor transformer.h.0.mlp.c_fc.weight has shape [16, 64] in model.safetensors but config.json implies"
            + " [16, 32] = [n_embd, n_inner]",
        "(and ");
    Path llama = HfFixtures.copy("llama-gqa-tied", tmp);
    editConfig(llama, c -> c.put("num_key_value_heads", 4));
    assertMessage(
        () -> HfModelDirectory.open(llama),
        "tensor model.layers.0.self_attn.k_proj.weight has shape [8, 16]",
        "implies [16, 16] = [num_key_value_heads×hidden_size/num_attention_heads, hidden_size]");
  }

  @Test
  void aMissingParameterIsNamedWithItsExpectedShape(@TempDir Path tmp) throws IOException {
    Path dir = HfFixtures.copy("llama-gqa-tied", tmp);
    editConfig(dir, c -> c.put("tie_word_embeddings", false));
    HfWeightsMismatchException e = assertThrows(HfWeightsMismatchException.class, () -> HfModelDirectory.open(dir));
    assertEquals("lm_head.weight", e.tensor());
    assertMessage(e, "tensor lm_head.weight is missing (expected shape [128, 16] = [vocab_size, hidden_size])");
    Path t5 = HfFixtures.copy("t5-v1_0", tmp);
    editConfig(t5, c -> c.put("feed_forward_proj", "gated-gelu"));
    assertMessage(() -> HfModelDirectory.open(t5), "tensor encoder.block.0.layer.1.DenseReluDense.wi_0.weight is missing");
  }

  @Test
  void legacyNamesLoadAsTransformersLoadsThem(@TempDir Path tmp) throws IOException {
    // GPT-2 saved from GPT2Model (no "transformer." prefix), as the original upload was
    Path gpt2 = HfFixtures.copy("gpt2", tmp);
    try (SafetensorsFile file = SafetensorsFile.open(HfFixtures.dir("gpt2").resolve("model.safetensors"))) {
      Files.write(gpt2.resolve("model.safetensors"),
          HfFixtures.rewrite(file, n -> n.substring("transformer.".length()), Map.of()));
    }
    try (HfModelDirectory model = HfModelDirectory.open(gpt2)) {
      assertEquals("h.0.attn.c_attn.weight", model.weights().stored().get("transformer.h.0.attn.c_attn.weight"));
      assertArrayEquals(model.parameter("transformer.wte.weight"), model.parameter("lm_head.weight"));
    }
    // BERT converted from TensorFlow: LayerNorm.gamma / beta, plus a pretraining head Kiln does not import
    Path bert = HfFixtures.copy("bert", tmp);
    try (SafetensorsFile file = SafetensorsFile.open(HfFixtures.dir("bert").resolve("model.safetensors"))) {
      Files.write(bert.resolve("model.safetensors"),
          HfFixtures.rewrite(file, n -> n.replace("LayerNorm.weight", "LayerNorm.gamma")
              .replace("LayerNorm.bias", "LayerNorm.beta"),
              Map.of("cls.seq_relationship.bias", Tensor.f32(new long[] {2}, 0.5f, -0.5f))));
    }
    try (HfModelDirectory model = HfModelDirectory.open(bert);
        SafetensorsFile original = SafetensorsFile.open(HfFixtures.dir("bert").resolve("model.safetensors"))) {
      assertEquals("bert.embeddings.LayerNorm.gamma", model.weights().stored().get("bert.embeddings.LayerNorm.weight"));
      assertArrayEquals(original.floats("bert.embeddings.LayerNorm.bias"), model.parameter("bert.embeddings.LayerNorm.bias"));
      assertEquals(List.of("cls.seq_relationship.bias"), model.weights().unused());
      assertEquals(1, model.warnings().size());
      assertTrue(model.warnings().get(0).contains("cls.seq_relationship.bias"), model.warnings().get(0));
    }
  }

  @Test
  void anIntegerTensorWhereAWeightBelongsIsRefused(@TempDir Path tmp) throws IOException {
    Path dir = HfFixtures.copy("gpt2", tmp);
    try (SafetensorsFile file = SafetensorsFile.open(HfFixtures.dir("gpt2").resolve("model.safetensors"))) {
      byte[] ints = new byte[16 * 4];
      Files.write(dir.resolve("model.safetensors"),
          HfFixtures.rewrite(file, n -> n.equals("transformer.ln_f.bias") ? null : n,
              Map.of("transformer.ln_f.bias", new Tensor("I32", new long[] {16}, ints))));
    }
    assertMessage(() -> HfModelDirectory.open(dir), "tensor transformer.ln_f.bias is I32; weights must be F32");
  }

  private static Map<String, String> tied(String name) throws IOException {
    try (HfModelDirectory model = HfModelDirectory.open(HfFixtures.dir(name))) {
      return model.weights().tied();
    }
  }

  private static void editConfig(Path dir, Consumer<ObjectNode> edit) throws IOException {
    Path config = dir.resolve("config.json");
    ObjectNode node = (ObjectNode) JSON.readTree(config.toFile());
    edit.accept(node);
    JSON.writeValue(config.toFile(), node);
  }
}
