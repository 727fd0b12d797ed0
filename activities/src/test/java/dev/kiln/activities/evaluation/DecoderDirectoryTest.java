package dev.kiln.activities.evaluation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.hf.export.Float32Tensor;
import dev.kiln.activities.hf.export.HfExportFiles;
import dev.kiln.activities.hf.export.Safetensors;
import dev.kiln.activities.hf.export.SpecialTokens;
import dev.kiln.activities.tokenizer.ByteLevelBpeTrainer;
import dev.kiln.activities.training.TransformerModel;
import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * What evaluation publishes as a decoder run's {@code runs/<run>/model/}: a Llama run's final weights as a Hugging
 * Face Llama directory, a GPT run's as a GPT-2 directory, each with Kiln's description of the run under "kiln".
 */
class DecoderDirectoryTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ModelShape SHAPE = new ModelShape(280, 16, 32, 2, 4);

  private static TrainingConfig config(LlamaOptions llama) {
    return TrainingConfig.builder().shape(SHAPE).objective(Objective.CLM).batchSize(4).steps(1).learningRate(1e-3, 1e-4)
        .warmupSteps(0).weightDecay(0.1).gradClip(1.0).dropout(0.1).seed(5).checkpointEvery(1).device("cpu")
        .manifestKey("m").llama(llama).build();
  }

  @Test
  void aLlamaRunIsPublishedAsALlamaAndAGptRunAsAGpt2() throws IOException {
    byte[] tokenizer = new ByteLevelBpeTrainer(270).train(List.of("the kiln fires the clay. ".repeat(30)))
        .getBytes(StandardCharsets.UTF_8);
    SpecialTokens special = SpecialTokens.kilnDefaults(tokenizer);
    LlamaOptions options = new LlamaOptions(2, 48, 10000.0, 1e-6, false, 0);
    for (TrainingConfig config : List.of(config(options), config(null))) {
      byte[] weights;
      try (TransformerModel model = TransformerModel.create(config, SHAPE, Device.cpu())) {
        model.initialise(config.seed());
        weights = model.weights();
      }
      Map<String, byte[]> files = EvaluationActivitiesImpl.decoderDirectory(
          config, weights, tokenizer, special, "---\nlibrary_name: transformers\n---\n", Map.of("objective", "clm"));
      JsonNode c = JSON.readTree(files.get(HfExportFiles.CONFIG));
      boolean llama = config.llama() != null;
      assertEquals(llama ? "llama" : "gpt2", c.path("model_type").asText());
      assertEquals(llama ? "[\"LlamaForCausalLM\"]" : "[\"GPT2LMHeadModel\"]", c.path("architectures").toString());
      assertEquals("clm", c.path("kiln").path("objective").asText());
      assertEquals(0, c.path("eos_token_id").asInt(), "<|endoftext|>");
      assertEquals(1, c.path("pad_token_id").asInt(), "<|pad|>");
      if (llama) {
        assertEquals(0.1, c.path("attention_dropout").asDouble(), "the run's dropout");
        assertEquals(48, c.path("intermediate_size").asInt());
        assertEquals(false, c.path("tie_word_embeddings").asBoolean());
        // Kiln's Llama tensors are transformers': the same names and values, none renamed or transposed.
        Map<String, Float32Tensor> exported = new TreeMap<>();
        Safetensors.read(files.get(HfExportFiles.WEIGHTS)).forEach(t -> exported.put(t.name(), t));
        Map<String, Float32Tensor> kiln = new TreeMap<>();
        Safetensors.read(weights).forEach(t -> kiln.put(t.name(), t));
        assertEquals(kiln, exported);
      }
      assertArrayEquals(tokenizer, files.get(HfExportFiles.TOKENIZER));
    }
  }
}
