package dev.kiln.activities.hf.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.tokenizer.ByteLevelBpeTrainer;
import dev.kiln.activities.training.EncoderModel;
import dev.kiln.activities.training.GptModel;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.MlpActivation;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The files of a GPT-2 export, read back without Python: config.json's fields, the tensors' names and shapes, and
 * each tensor's values against the Kiln weights it came from (the four projections of a block transposed, nothing
 * else changed), the tokenizer files' special tokens, and the errors for what cannot be exported.
 */
class HfExportGpt2Test {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ModelShape SHAPE = new ModelShape(272, 16, 24, 2, 3);
  private static byte[] tokenizer;

  @BeforeAll
  static void trainTokenizer() {
    String text = "the quick brown fox jumps over the lazy dog; the dog sleeps, the fox runs and the hen clucks. ";
    tokenizer = new ByteLevelBpeTrainer(270).train(List.of(text.repeat(20))).getBytes(StandardCharsets.UTF_8);
  }

  private static Map<String, byte[]> export(byte[] weights, MlpActivation activation) {
    return HfGpt2Export.files(weights, SHAPE, activation, 0.1, tokenizer, SpecialTokens.kilnDefaults(tokenizer), "---\nlibrary_name: transformers\n---\n",
        Map.of("objective", "clm"));
  }

  @Test
  void configJsonIsAGpt2LmHeadModelOfTheKilnShape() throws IOException {
    try (GptModel model = new GptModel(SHAPE, 0, Device.cpu(), MlpActivation.GELU_TANH)) {
      model.initialise(3);
      JsonNode c = JSON.readTree(export(model.weights(), model.activation()).get(HfExportFiles.CONFIG));
      assertEquals("gpt2", c.path("model_type").asText());
      assertEquals("[\"GPT2LMHeadModel\"]", c.path("architectures").toString());
      assertEquals(272, c.path("vocab_size").asInt());
      assertEquals(16, c.path("n_positions").asInt());
      assertEquals(24, c.path("n_embd").asInt());
      assertEquals(2, c.path("n_layer").asInt());
      assertEquals(3, c.path("n_head").asInt());
      assertEquals(96, c.path("n_inner").asInt());
      assertEquals("gelu_new", c.path("activation_function").asText());
      assertEquals(1e-5, c.path("layer_norm_epsilon").asDouble());
      assertEquals(0.02, c.path("initializer_range").asDouble());
      assertEquals(0.1, c.path("resid_pdrop").asDouble());
      assertEquals(0.1, c.path("embd_pdrop").asDouble());
      assertEquals(0.1, c.path("attn_pdrop").asDouble());
      assertTrue(c.path("scale_attn_weights").asBoolean());
      assertFalse(c.path("scale_attn_by_inverse_layer_idx").asBoolean());
      assertFalse(c.path("add_cross_attention").asBoolean());
      assertEquals(0, c.path("bos_token_id").asInt(), "<|endoftext|>");
      assertEquals(0, c.path("eos_token_id").asInt(), "<|endoftext|>");
      assertEquals(1, c.path("pad_token_id").asInt(), "<|pad|>");
      assertTrue(c.path("tie_word_embeddings").asBoolean());
      assertEquals("float32", c.path("dtype").asText());
      assertEquals("float32", c.path("torch_dtype").asText());
      assertEquals("clm", c.path("kiln").path("objective").asText());
    }
  }

  @Test
  void theExactGeluExportsAsHuggingFacesGelu() throws IOException {
    try (GptModel model = new GptModel(SHAPE, 0, Device.cpu())) {
      model.initialise(3);
      assertEquals(MlpActivation.GELU, model.activation());
      JsonNode c = JSON.readTree(export(model.weights(), model.activation()).get(HfExportFiles.CONFIG));
      assertEquals("gelu", c.path("activation_function").asText());
    }
  }

  @Test
  void weightsHaveGpt2sNamesAndShapesWithTheProjectionsTransposed() {
    try (GptModel model = new GptModel(SHAPE, 0, Device.cpu())) {
      model.initialise(4);
      byte[] file = export(model.weights(), model.activation()).get(HfExportFiles.WEIGHTS);
      SortedMap<String, Float32Tensor> hf = new TreeMap<>();
      Safetensors.read(file).forEach(t -> hf.put(t.name(), t));

      TreeSet<String> expected = new TreeSet<>(List.of("transformer.wte.weight", "transformer.wpe.weight",
          "transformer.ln_f.weight", "transformer.ln_f.bias"));
      for (int i = 0; i < SHAPE.layers(); i++) {
        for (String n : List.of("ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight",
            "attn.c_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight",
            "mlp.c_proj.bias")) {
          expected.add("transformer.h." + i + "." + n);
        }
      }
      assertEquals(expected, hf.keySet(), "no lm_head.weight (tied) and no attn.bias buffers");
      assertArrayEquals(new long[] {272, 24}, hf.get("transformer.wte.weight").shape());
      assertArrayEquals(new long[] {16, 24}, hf.get("transformer.wpe.weight").shape());
      assertArrayEquals(new long[] {24, 72}, hf.get("transformer.h.0.attn.c_attn.weight").shape(), "Conv1D [in, out]");
      assertArrayEquals(new long[] {72}, hf.get("transformer.h.0.attn.c_attn.bias").shape());
      assertArrayEquals(new long[] {24, 24}, hf.get("transformer.h.1.attn.c_proj.weight").shape());
      assertArrayEquals(new long[] {24, 96}, hf.get("transformer.h.1.mlp.c_fc.weight").shape());
      assertArrayEquals(new long[] {96, 24}, hf.get("transformer.h.1.mlp.c_proj.weight").shape());

      int transposed = 0;
      for (Map.Entry<String, NDArray> kiln : model.parameters().entrySet()) {
        Float32Tensor exported = hf.get(kiln.getKey());
        float[] values = kiln.getValue().toFloatArray();
        long[] shape = kiln.getValue().getShape().getShape();
        if (Gpt2Weights.isConv1D(kiln.getKey())) {
          transposed++;
          assertArrayEquals(new long[] {shape[1], shape[0]}, exported.shape(), kiln.getKey());
          int rows = (int) shape[0];
          int columns = (int) shape[1];
          for (int r = 0; r < rows; r++) {
            for (int col = 0; col < columns; col++) {
              assertEquals(values[r * columns + col], exported.values()[col * rows + r], kiln.getKey() + "[" + r + "," + col + "]");
            }
          }
        } else {
          assertArrayEquals(shape, exported.shape(), kiln.getKey());
          assertArrayEquals(values, exported.values(), kiln.getKey());
        }
      }
      assertEquals(4 * SHAPE.layers(), transposed);
    }
  }

  /** The fused c_attn keeps GPT-2's split: the first n_embd output columns are queries, then keys, then values. */
  @Test
  void theFusedQueryKeyValueMatrixKeepsGpt2sOrder() {
    try (GptModel model = new GptModel(SHAPE, 0, Device.cpu())) {
      model.initialise(5);
      float[] kiln = model.parameters().get("transformer.h.0.attn.c_attn.weight").toFloatArray(); // [3d, d]
      Float32Tensor hf = Safetensors.read(export(model.weights(), model.activation()).get(HfExportFiles.WEIGHTS)).stream()
          .filter(t -> t.name().equals("transformer.h.0.attn.c_attn.weight")).findFirst().orElseThrow(); // [d, 3d]
      int d = SHAPE.dModel();
      // The key projection's first output (Kiln row d) reads input feature 2 with weight hf[2][d].
      assertEquals(kiln[d * d + 2], hf.values()[2 * 3 * d + d]);
      // The value projection's last output (Kiln row 3d - 1) and input feature d - 1.
      assertEquals(kiln[(3 * d - 1) * d + d - 1], hf.values()[(d - 1) * 3 * d + 3 * d - 1]);
    }
  }

  @Test
  void safetensorsCarryPytorchFormatMetadataAndAnAlignedHeader() throws IOException {
    try (GptModel model = new GptModel(SHAPE, 0, Device.cpu())) {
      model.initialise(6);
      byte[] file = export(model.weights(), model.activation()).get(HfExportFiles.WEIGHTS);
      long headerLength = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
      assertEquals(0, headerLength % 8);
      JsonNode header = JSON.readTree(new String(file, 8, (int) headerLength, StandardCharsets.UTF_8));
      assertEquals("pt", header.path("__metadata__").path("format").asText(), "transformers refuses other formats");
      assertEquals(4L * model.parameterCount() + 8 + headerLength, file.length, "float32, nothing but the tensors");
      // DJL (libtorch's reader) reads the same tensors back.
      try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
        NDList read = NDList.decode(manager, file);
        assertEquals(4 + 12 * SHAPE.layers(), read.size(), "embeddings, final LayerNorm, 12 per block");
        for (NDArray array : read) {
          Float32Tensor ours = Safetensors.read(file).stream().filter(t -> t.name().equals(array.getName())).findFirst().orElseThrow();
          assertArrayEquals(ours.values(), array.toFloatArray(), array.getName());
        }
      }
    }
  }

  @Test
  void tokenizerFilesNameKilnsSpecialTokens() throws IOException {
    try (GptModel model = new GptModel(SHAPE, 0, Device.cpu())) {
      model.initialise(7);
      Map<String, byte[]> files = export(model.weights(), model.activation());
      assertArrayEquals(tokenizer, files.get(HfExportFiles.TOKENIZER), "tokenizer.json as trained");
      JsonNode config = JSON.readTree(files.get(HfExportFiles.TOKENIZER_CONFIG));
      assertEquals("PreTrainedTokenizerFast", config.path("tokenizer_class").asText());
      assertEquals("<|endoftext|>", config.path("eos_token").asText());
      assertEquals("<|endoftext|>", config.path("bos_token").asText());
      assertEquals("<|pad|>", config.path("pad_token").asText());
      assertEquals(16, config.path("model_max_length").asInt());
      assertFalse(config.path("add_bos_token").asBoolean());
      assertEquals("<|endoftext|>", config.path("added_tokens_decoder").path("0").path("content").asText());
      assertTrue(config.path("added_tokens_decoder").path("1").path("special").asBoolean());
      JsonNode map = JSON.readTree(files.get(HfExportFiles.SPECIAL_TOKENS_MAP));
      assertEquals("<|pad|>", map.path("pad_token").asText());
      assertEquals("<|endoftext|>", map.path("unk_token").asText());
      JsonNode generation = JSON.readTree(files.get(HfExportFiles.GENERATION_CONFIG));
      assertEquals(0, generation.path("eos_token_id").asInt());
      assertEquals(1, generation.path("pad_token_id").asInt());
      assertFalse(generation.has("max_length"), "would clash with every max_new_tokens");
      assertEquals(List.of("model.safetensors", "config.json", "generation_config.json", "tokenizer.json",
          "tokenizer_config.json", "special_tokens_map.json", "README.md"), List.copyOf(files.keySet()), "card last");
    }
  }

  @Test
  void whatIsNotAGptOfTheShapeIsRefusedByName() {
    try (EncoderModel encoder = new EncoderModel(SHAPE, 0, Device.cpu())) {
      encoder.initialise(1);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> export(encoder.weights(), MlpActivation.GELU));
      assertTrue(e.getMessage().contains("only decoders (objective clm) export as GPT-2"), e.getMessage());
    }
    try (GptModel wider = new GptModel(new ModelShape(272, 16, 48, 2, 3), 0, Device.cpu())) {
      wider.initialise(1);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> export(wider.weights(), MlpActivation.GELU));
      assertTrue(e.getMessage().startsWith("tensor 'transformer."), e.getMessage());
      assertTrue(e.getMessage().contains("but a GPT of shape"), e.getMessage());
    }
    try (GptModel small = new GptModel(new ModelShape(200, 16, 24, 2, 3), 0, Device.cpu())) {
      small.initialise(1);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfGpt2Export.files(
          small.weights(), small.shape(), MlpActivation.GELU, 0, tokenizer, SpecialTokens.kilnDefaults(tokenizer), "", Map.of()));
      assertEquals("the tokenizer has id 269 but the model only 200 ids: it was not trained with this tokenizer", e.getMessage());
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SpecialTokens.kilnDefaults("{\"added_tokens\": [], \"model\": {\"vocab\": {\"a\": 0}}}".getBytes(StandardCharsets.UTF_8)));
    assertTrue(e.getMessage().startsWith("tokenizer.json has no <|endoftext|> token"), e.getMessage());
  }

  /** Kiln's own importer of Hugging Face directories reads the export as a GPT-2 with nothing to warn about. */
  @Test
  void kilnsHuggingFaceReaderOpensTheExportWithoutWarnings(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws IOException {
    try (GptModel model = new GptModel(SHAPE, 0, Device.cpu(), MlpActivation.GELU_TANH)) {
      model.initialise(8);
      Map<String, byte[]> files = export(model.weights(), model.activation());
      HfExportFiles.write(dir, files);
      try (dev.kiln.activities.hf.HfModelDirectory read = dev.kiln.activities.hf.HfModelDirectory.open(dir)) {
        assertEquals("gpt2", read.config().modelType());
        dev.kiln.activities.hf.Gpt2Config gpt2 = (dev.kiln.activities.hf.Gpt2Config) read.config();
        assertEquals("gelu_new", gpt2.activationFunction());
        assertEquals(96, gpt2.intermediateSize());
        assertEquals(List.of(), read.warnings());
        assertTrue(read.tokenizer().isPresent(), "tokenizer.json found");
        Float32Tensor ours = Safetensors.read(files.get(HfExportFiles.WEIGHTS)).stream()
            .filter(t -> t.name().equals("transformer.h.1.mlp.c_fc.weight")).findFirst().orElseThrow();
        assertArrayEquals(ours.values(), read.parameter("transformer.h.1.mlp.c_fc.weight"));
      }
    }
  }
}
