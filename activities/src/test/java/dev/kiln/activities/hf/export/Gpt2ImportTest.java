package dev.kiln.activities.hf.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.hf.HfImportException;
import dev.kiln.activities.hf.HfModelDirectory;
import dev.kiln.activities.training.GptModel;
import dev.kiln.activities.training.TrainingBatch;
import dev.kiln.activities.training.TransformerModel;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.MlpActivation;
import dev.kiln.workflows.training.Objective;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A GPT-2 that transformers saved (the committed fixtures, made by infra/hf-fixtures) imported into Kiln's GPT: its
 * logits are transformers' (golden.json), whole, sharded or stored in half precision.
 */
class Gpt2ImportTest {
  private static final Path FIXTURES = Path.of("src", "test", "resources", "hf");
  static final double BOUND = 1e-4;

  @Test
  void importedGpt2GivesTransformersLogits() throws Exception {
    double diff = maxDifference("gpt2", FIXTURES.resolve("gpt2"));
    System.out.printf("GPT-2 import: max |Kiln - transformers| logit %.2e (bound %.0e)%n", diff, BOUND);
    assertTrue(diff <= BOUND, "max abs logit difference " + diff);
  }

  @Test
  void aShardedCheckpointImportsTheSameModel() throws Exception {
    Gpt2Import whole;
    Gpt2Import sharded;
    try (HfModelDirectory d = HfModelDirectory.open(FIXTURES.resolve("gpt2"))) {
      whole = Gpt2Import.of(d);
    }
    try (HfModelDirectory d = HfModelDirectory.open(FIXTURES.resolve("gpt2-sharded"))) {
      sharded = Gpt2Import.of(d);
    }
    assertEquals(whole.shape(), sharded.shape());
    assertArrayEquals(whole.safetensors(), sharded.safetensors());
  }

  @Test
  void halfPrecisionWeightsImportWithinTheirRounding() throws Exception {
    double diff = maxDifference("gpt2", FIXTURES.resolve("gpt2-fp16"));
    assertTrue(diff < 1e-2, "fp16 weights: " + diff);
    assertTrue(diff > 0, "fp16 weights are rounded: the logits cannot be exactly fp32's");
  }

  @Test
  void aGpt2KilnsGptDoesNotComputeIsRefusedByItsField(@TempDir Path dir) throws Exception {
    for (String f : new String[] {"model.safetensors", "tokenizer.json"}) {
      Files.copy(FIXTURES.resolve("gpt2").resolve(f), dir.resolve(f));
    }
    String config = Files.readString(FIXTURES.resolve("gpt2/config.json"))
        .replace("\"scale_attn_by_inverse_layer_idx\": false", "\"scale_attn_by_inverse_layer_idx\": true");
    Files.writeString(dir.resolve("config.json"), config);
    try (HfModelDirectory d = HfModelDirectory.open(dir)) {
      HfImportException e = assertThrows(HfImportException.class, () -> Gpt2Import.of(d));
      assertTrue(e.getMessage().contains("scale_attn_by_inverse_layer_idx is true"), e.getMessage());
    }
  }

  /** Kiln's logits on the golden inputs of {@code golden} against transformers', from the weights in {@code dir}. */
  private static double maxDifference(String golden, Path dir) throws Exception {
    JsonNode g = new ObjectMapper().readTree(FIXTURES.resolve(golden).resolve("golden.json").toFile());
    Gpt2Import gpt2;
    try (HfModelDirectory d = HfModelDirectory.open(dir)) {
      gpt2 = Gpt2Import.of(d);
    }
    assertEquals(MlpActivation.GELU_TANH, gpt2.activation());
    ModelShape shape = gpt2.shape();
    double max = 0;
    try (TransformerModel model = TransformerModel.load(Objective.CLM, shape, gpt2.activation(), gpt2.safetensors(),
        Device.cpu())) {
      for (JsonNode c : g.get("cases")) {
        int[] ids = new int[c.get("input_ids").size()];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = c.get("input_ids").get(i).asInt();
        }
        try (NDManager step = model.newStepManager()) {
          NDArray logits = ((GptModel) model).forward(TrainingBatch.tokenArray(step, ids, 1, ids.length), false);
          float[] kiln = logits.toFloatArray();
          int v = shape.vocabSize();
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
}
