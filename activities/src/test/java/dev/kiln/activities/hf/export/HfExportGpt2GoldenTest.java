package dev.kiln.activities.hf.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.training.GptModel;
import dev.kiln.activities.training.LanguageModelEvaluator;
import dev.kiln.activities.training.TrainingBatch;
import dev.kiln.activities.training.TransformerModel;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.MlpActivation;
import dev.kiln.workflows.training.Objective;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Kiln's logits against transformers', without Python: golden.json holds what transformers 5.24 computed from this
 * tiny GPT's GPT-2 exports (bench/hf/make_golden.sh). The test exports the same Kiln weights again, checks that the
 * export is byte for byte the one transformers loaded, and that Kiln's own forward pass gives transformers' logits
 * (max abs difference at most 1e-4 in fp32) and greedy ids, with each MLP activation; and that the golden tells the
 * two activations apart, so a mislabelled activation fails too.
 */
class HfExportGpt2GoldenTest {
  private static final ModelShape SHAPE = new ModelShape(64, 8, 16, 2, 2);
  private static final double TOLERANCE = 1e-4;
  private static final String REGENERATE = "; if the export changed on purpose, rerun bench/hf/make_golden.sh";

  @ParameterizedTest
  @EnumSource(MlpActivation.class)
  void kilnComputesTheLogitsAndGreedyIdsTransformersComputedFromTheExport(MlpActivation activation) throws IOException {
    byte[] weights = resource("kiln-model.safetensors");
    JsonNode golden = new ObjectMapper().readTree(resource("golden.json"));
    JsonNode export = golden.path("exports").path(activation.id());
    assertEquals(activation.id(), export.path("activation_function").asText());

    Map<String, byte[]> files = HfGpt2Export.files(
        weights, SHAPE, activation, 0.0, resource("tokenizer.json"), SpecialTokens.kilnDefaults(resource("tokenizer.json")), "---\nlibrary_name: transformers\n---\n\n# golden fixture\n",
        Map.of());
    assertEquals(export.path("model_safetensors_sha256").asText(), ObjectStore.sha256(files.get(HfExportFiles.WEIGHTS)),
        "model.safetensors is not the one transformers loaded" + REGENERATE);
    assertEquals(export.path("config_json_sha256").asText(), ObjectStore.sha256(files.get(HfExportFiles.CONFIG)),
        "config.json is not the one transformers loaded" + REGENERATE);

    int[] ids = ints(golden.path("ids"));
    try (GptModel model = (GptModel) TransformerModel.load(Objective.CLM, SHAPE, activation, weights, Device.cpu())) {
      float[][] kiln = logits(model, ids);
      double own = maxAbsDifference(kiln, export.path("logits"));
      System.out.printf("golden %s: max abs logit difference Kiln vs transformers %.3g%n", activation.id(), own);
      assertTrue(own <= TOLERANCE, "max abs logit difference " + own + " exceeds " + TOLERANCE);

      MlpActivation other = activation == MlpActivation.GELU ? MlpActivation.GELU_TANH : MlpActivation.GELU;
      double crossed = maxAbsDifference(kiln, golden.path("exports").path(other.id()).path("logits"));
      assertTrue(crossed > 5 * TOLERANCE,
          "the golden cannot tell " + activation + " from " + other + " (difference " + crossed + ")");

      int[] prompt = ints(export.path("prompt_ids"));
      int[] greedy = new LanguageModelEvaluator(model).generate(prompt, golden.path("new_tokens").asInt(), 0, 0);
      int[] expected = ints(export.path("greedy"));
      assertEquals(prompt.length + golden.path("new_tokens").asInt(), expected.length,
          "transformers stopped early at <|endoftext|>; pick another prompt in make_golden.py");
      assertArrayEquals(expected, greedy, "greedy ids");
    }
  }

  static float[][] logits(GptModel model, int[] ids) {
    try (NDManager step = model.newStepManager()) {
      NDArray all = model.forward(TrainingBatch.tokenArray(step, ids, 1, ids.length), false);
      float[][] rows = new float[ids.length][];
      for (int t = 0; t < ids.length; t++) {
        rows[t] = all.get(0, t).toFloatArray();
      }
      return rows;
    }
  }

  private static double maxAbsDifference(float[][] kiln, JsonNode golden) {
    assertEquals(kiln.length, golden.size(), "positions");
    double max = 0;
    for (int t = 0; t < kiln.length; t++) {
      assertEquals(kiln[t].length, golden.get(t).size(), "vocabulary at position " + t);
      for (int v = 0; v < kiln[t].length; v++) {
        max = Math.max(max, Math.abs(kiln[t][v] - golden.get(t).get(v).asDouble()));
      }
    }
    return max;
  }

  private static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }

  static byte[] resource(String name) throws IOException {
    try (InputStream in = HfExportGpt2GoldenTest.class.getResourceAsStream("/hf-export/gpt2-tiny/" + name)) {
      if (in == null) {
        throw new IllegalStateException("no test resource hf-export/gpt2-tiny/" + name + " (bench/hf/make_golden.sh)");
      }
      return in.readAllBytes();
    }
  }
}
