package dev.kiln.activities.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.hf.HfModelDirectory;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Kiln's T5 against transformers' own logits, and trained with Kiln's trainer and span corruption. */
class T5ModelTest {
  private static final Device CPU = Device.cpu();
  private static final ObjectMapper JSON = new ObjectMapper();
  /** transformers' fp32 logits are written to 7 significant digits, at most about 3 here. */
  private static final double LOGIT_TOLERANCE = 1e-4;

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
