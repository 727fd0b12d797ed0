package dev.kiln.activities.hf;

import static dev.kiln.activities.hf.HfSafetensorsTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HfModelConfigTest {

  private static HfModelConfig fixture(String name) throws IOException {
    return HfModelConfig.parse(
        Files.readAllBytes(HfFixtures.dir(name).resolve("config.json")), name + "/config.json");
  }

  private static HfModelConfig json(String json) {
    return HfModelConfig.parse(json.getBytes(StandardCharsets.UTF_8), "m/config.json");
  }

  @Test
  void gpt2FixtureUsesGpt2NamesAndDerivesTheInnerSize() throws IOException {
    Gpt2Config c = assertInstanceOf(Gpt2Config.class, fixture("gpt2"));
    assertEquals(280, c.vocabSize());
    assertEquals(32, c.maxPositionEmbeddings());
    assertEquals(16, c.hiddenSize());
    assertEquals(2, c.numHiddenLayers());
    assertEquals(2, c.numAttentionHeads());
    assertEquals(64, c.intermediateSize()); // n_inner is null: 4 * n_embd
    assertEquals("gelu_new", c.activationFunction());
    assertEquals(1e-5, c.layerNormEpsilon());
    assertTrue(c.tieWordEmbeddings());
    assertTrue(c.scaleAttnWeights());
    assertEquals(List.of(0), c.eosTokenIds());
    assertNull(c.padTokenId());
  }

  @Test
  void llamaFixturesHaveGroupedQueryAttentionAndTheirTie() throws IOException {
    LlamaConfig c = assertInstanceOf(LlamaConfig.class, fixture("llama-gqa-untied"));
    assertEquals(4, c.numAttentionHeads());
    assertEquals(2, c.numKeyValueHeads());
    assertEquals(2, c.queriesPerKeyValueHead());
    assertEquals(4, c.headDim());
    assertEquals(32, c.intermediateSize());
    assertEquals(1e-5, c.rmsNormEps());
    assertEquals(new RopeParameters("default", 500000.0, Map.of()), c.rope());
    assertEquals("silu", c.hiddenAct());
    assertFalse(c.tieWordEmbeddings());
    assertTrue(((LlamaConfig) fixture("llama-gqa-tied")).tieWordEmbeddings());
  }

  @Test
  void bertAndRobertaFixtures() throws IOException {
    BertConfig bert = assertInstanceOf(BertConfig.class, fixture("bert"));
    assertEquals("gelu", bert.hiddenAct());
    assertEquals(2, bert.typeVocabSize());
    assertEquals(1e-12, bert.layerNormEps());
    assertEquals(0, bert.padTokenId());
    RobertaConfig roberta = assertInstanceOf(RobertaConfig.class, fixture("roberta"));
    assertEquals(1, roberta.padTokenId());
    assertEquals(34, roberta.maxPositionEmbeddings());
    assertEquals(32, roberta.maxSequenceLength()); // positions start at pad_token_id + 1
    assertEquals(1, roberta.typeVocabSize());
    assertEquals(1e-5, roberta.layerNormEps());
  }

  @Test
  void t5FixturesTellV10FromV11() throws IOException {
    T5Config v10 = assertInstanceOf(T5Config.class, fixture("t5-v1_0"));
    assertEquals("relu", v10.denseActFn());
    assertFalse(v10.gatedAct());
    assertTrue(v10.tieWordEmbeddings());
    assertTrue(v10.scaleDecoderOutputs());
    assertEquals(8, v10.relativeAttentionNumBuckets());
    assertEquals(16, v10.relativeAttentionMaxDistance());
    assertEquals(4, v10.dKv());
    assertEquals(8, v10.innerDim());
    assertEquals(2, v10.numDecoderLayers());
    assertEquals(0, v10.decoderStartTokenId());
    T5Config v11 = assertInstanceOf(T5Config.class, fixture("t5-v1_1"));
    assertEquals("gated-gelu", v11.feedForwardProj());
    assertEquals("gelu_new", v11.denseActFn()); // transformers maps gated-gelu to the tanh approximation
    assertTrue(v11.gatedAct());
    assertFalse(v11.tieWordEmbeddings());
    assertFalse(v11.scaleDecoderOutputs()); // derived: the fixture has no scale_decoder_outputs field
  }

  @Test
  void absentFieldsTakeTransformersDefaults() {
    Gpt2Config gpt2 = (Gpt2Config) json("{\"model_type\": \"gpt2\"}");
    assertEquals(
        new Gpt2Config(50257, 1024, 768, 12, 12, 3072, "gelu_new", 1e-5, true, false, false, true, 50256,
            List.of(50256), null),
        gpt2);
    LlamaConfig llama = (LlamaConfig) json("{\"model_type\": \"llama\"}");
    assertEquals(
        new LlamaConfig(32000, 4096, 11008, 32, 32, 32, 128, "silu", 2048, 1e-6,
            new RopeParameters("default", 10000.0, Map.of()), false, false, false, 1, List.of(2), null),
        llama);
    assertEquals(
        new BertConfig(30522, 768, 12, 12, 3072, "gelu", 512, 2, 1e-12, 0, true), json("{\"model_type\": \"bert\"}"));
    assertEquals(
        new RobertaConfig(50265, 768, 12, 12, 3072, "gelu", 512, 2, 1e-12, 1, 0, List.of(2), true),
        json("{\"model_type\": \"roberta\"}"));
    assertEquals(
        new T5Config(32128, 512, 64, 2048, 6, 6, 8, 32, 128, 1e-6, "relu", "relu", false, true, true, 0, List.of(1),
            null),
        json("{\"model_type\": \"t5\"}"));
  }

  @Test
  void derivedFieldsFollowTheirSources() {
    Gpt2Config gpt2 = (Gpt2Config) json("{\"model_type\": \"gpt2\", \"n_embd\": 64, \"n_head\": 4, \"n_inner\": 100}");
    assertEquals(100, gpt2.intermediateSize());
    LlamaConfig llama =
        (LlamaConfig)
            json("{\"model_type\": \"llama\", \"hidden_size\": 64, \"num_attention_heads\": 8, \"head_dim\": 16,"
                + " \"eos_token_id\": [2, 7]}");
    assertEquals(16, llama.headDim()); // head_dim wins over hidden_size / heads
    assertEquals(8, llama.numKeyValueHeads());
    assertEquals(List.of(2, 7), llama.eosTokenIds());
    T5Config t5 = (T5Config) json("{\"model_type\": \"t5\", \"num_layers\": 3, \"feed_forward_proj\": \"gated-silu\"}");
    assertEquals(3, t5.numDecoderLayers());
    assertEquals("silu", t5.denseActFn());
    assertTrue(t5.gatedAct());
    T5Config saved5 = (T5Config) json("{\"model_type\": \"t5\", \"tie_word_embeddings\": true, \"scale_decoder_outputs\": false}");
    assertFalse(saved5.scaleDecoderOutputs()); // transformers 5 writes the flag; it wins over the derivation
  }

  @Test
  void ropeParametersInBothSpellings() {
    LlamaConfig legacy =
        (LlamaConfig)
            json("{\"model_type\": \"llama\", \"rope_theta\": 500000.0, \"max_position_embeddings\": 131072,"
                + " \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0,"
                + " \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192}}");
    assertEquals("llama3", legacy.rope().ropeType());
    assertEquals(500000.0, legacy.rope().ropeTheta());
    assertEquals(
        Map.of("factor", 8.0, "low_freq_factor", 1.0, "high_freq_factor", 4.0, "original_max_position_embeddings",
            8192.0),
        legacy.rope().scaling());
    LlamaConfig current =
        (LlamaConfig)
            json("{\"model_type\": \"llama\", \"rope_parameters\": {\"type\": \"linear\", \"factor\": 2.0,"
                + " \"rope_theta\": 1000.0}}");
    assertEquals(new RopeParameters("linear", 1000.0, Map.of("factor", 2.0)), current.rope());
    assertMessage(
        () -> json("{\"model_type\": \"llama\", \"rope_parameters\": {\"rope_type\": \"longrope\"}}"),
        "m/config.json", "rope_parameters.rope_type \"longrope\" is not supported", "default, linear");
    assertMessage(
        () -> json("{\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"linear\"}}"),
        "rope_scaling of rope_type linear has no factor");
  }

  @Test
  void unsupportedModelTypeListsTheSupportedOnes() {
    HfConfigException e = assertThrows(HfConfigException.class, () -> json("{\"model_type\": \"mistral\"}"));
    assertMessage(e, "m/config.json", "model_type \"mistral\" is not supported", "gpt2, llama, bert, roberta, t5");
  }

  @Test
  void missingOrInvalidFieldsNameTheFileAndTheField() {
    assertMessage(() -> json("{\"n_layer\": 2}"), "m/config.json has no field model_type", "gpt2, llama");
    assertMessage(() -> json("{\"model_type\": \"gpt2\", \"n_layer\": \"two\"}"),
        "m/config.json: field n_layer is \"two\" (string) but must be an integer");
    assertMessage(() -> json("{\"model_type\": \"gpt2\", \"n_layer\": 0}"), "field n_layer is 0 but must be a positive");
    assertMessage(() -> json("{\"model_type\": \"gpt2\", \"n_layer\": 2.5}"), "field n_layer is 2.5");
    assertMessage(() -> json("{\"model_type\": \"llama\", \"rms_norm_eps\": \"small\"}"), "field rms_norm_eps", "a number");
    assertMessage(() -> json("{\"model_type\": \"bert\", \"tie_word_embeddings\": 1}"), "field tie_word_embeddings",
        "true or false");
    assertMessage(() -> json("{\"model_type\": \"gpt2\", \"n_embd\": 10, \"n_head\": 3}"),
        "n_embd 10 is not a multiple of n_head 3");
    assertMessage(() -> json("{\"model_type\": \"llama\", \"num_attention_heads\": 32, \"num_key_value_heads\": 5}"),
        "num_attention_heads 32 is not a multiple of num_key_value_heads 5");
    assertMessage(() -> json("{\"model_type\": \"bert\", \"hidden_act\": \"gelu_fancy\"}"), "field hidden_act",
        "an activation transformers knows");
    assertMessage(() -> json("{\"model_type\": \"t5\", \"feed_forward_proj\": \"double-gelu\"}"),
        "field feed_forward_proj", "gated-<activation>");
    assertMessage(() -> json("{\"model_type\": \"bert\", \"position_embedding_type\": \"relative_key\"}"),
        "position_embedding_type \"relative_key\" is not supported");
    assertMessage(() -> json("{\"model_type\": \"bert\", \"is_decoder\": true}"), "field is_decoder is true");
    assertMessage(() -> json("{\"model_type\": \"roberta\", \"max_position_embeddings\": 2}"), "leaves no positions");
    assertMessage(() -> json("{\"model_type\": \"gpt2\",}"), "m/config.json is not valid JSON (line 1");
    assertMessage(() -> json("[]"), "is not a JSON object");
  }
}
