package dev.kiln.activities.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.workflows.spec.InvalidRunSpecException;
import dev.kiln.workflows.spec.RunSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad run specs are rejected before anything starts, with the file, the field and a fix in the message. */
class RunSpecLoaderTest {
  private static final Path BUNDLED = Path.of("..", "configs", "tiny-gpt.yaml");

  private static String bundled() throws IOException {
    return Files.readString(BUNDLED);
  }

  @Test
  void theBundledSpecLoads() {
    RunSpec spec = RunSpecLoader.load(BUNDLED);
    assertEquals("tiny-gpt", spec.name());
    assertEquals("generation", spec.useCase().task());
  }

  static Stream<Arguments> badSpecs() throws IOException {
    String ok = bundled();
    return Stream.of(
        Arguments.of("bad YAML", "name: [unclosed\n", "(yaml)", "not valid YAML"),
        Arguments.of("unknown task", ok.replace("task: generation", "task: poetry"), "useCase.task", "one of [classification, generation, ner, qa, summarization, translation]"),
        Arguments.of("missing section", ok.replaceAll("(?s)\ntokenizer:\n  vocabSize: 4096\n", "\n"), "tokenizer", "is missing"),
        Arguments.of("missing field", ok.replace("  batchSize: 16\n", ""), "training.batchSize", "is missing"),
        Arguments.of("negative number", ok.replace("batchSize: 16", "batchSize: -16"), "training.batchSize", "outside [1, 4096]"),
        Arguments.of("absurd budget", ok.replace("trainingFlops: 1.0e13", "trainingFlops: 1.0e40"), "budget.trainingFlops", "outside"),
        Arguments.of("misspelled field", ok.replace("learningRate: 0.003", "learningRat: 0.003"), "training.learningRat", "not a known field"),
        Arguments.of("wrong type", ok.replace("batchSize: 16", "batchSize: sixteen"), "training.batchSize", "wrong type"),
        Arguments.of("heads not dividing dModel", ok.replace("dModel: 0", "dModel: 100").replace("layers: 0", "layers: 2").replace("heads: 0", "heads: 3"), "training.heads", "do not divide dModel 100"),
        Arguments.of("prefix outside raw/", ok.replace("raw/gutenberg/", "/etc/passwd"), "data.rawPrefixes[1]", "under raw/"),
        Arguments.of("continue without a model", ok.replace("strategy: auto", "strategy: continue"), "model.hubModel", "name the hub model id"),
        Arguments.of("warmup longer than training", ok.replace("steps: 0 ", "steps: 50 "), "training.warmupSteps", "not below steps (50)"),
        Arguments.of("unknown device", ok.replace("device: cpu", "device: tpu"), "training.device", "cpu, gpu or gpu:N"),
        Arguments.of("context shorter than a corrupted span", ok.replace("task: generation", "task: summarization").replace("contextLength: 128", "contextLength: 16"), "training.contextLength", "too short for span corruption"),
        Arguments.of("no vocabulary left for the sentinels", ok.replace("task: generation", "task: summarization").replace("vocabSize: 4096", "vocabSize: 65535"), "tokenizer.vocabSize", "use vocabSize <= 65530"),
        Arguments.of("vocabulary too small", ok.replace("vocabSize: 4096", "vocabSize: 100"), "tokenizer.vocabSize", "260"),
        Arguments.of("empty file", "", "(file)", "is empty"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badSpecs")
  void aBadSpecIsRejectedNamingFileFieldAndFix(String caseName, String yaml, String field, String expected) {
    InvalidRunSpecException e = assertThrows(InvalidRunSpecException.class,
        () -> RunSpecLoader.parse(yaml.getBytes(StandardCharsets.UTF_8), "configs/bad.yaml"));
    String message = e.getMessage();
    assertTrue(message.startsWith("invalid run spec configs/bad.yaml:"), message);
    assertTrue(message.contains(field + ":"), "names the field " + field + ": " + message);
    assertTrue(message.contains(expected), "says '" + expected + "': " + message);
    assertTrue(message.contains("fix:"), message);
  }

  @Test
  void aMissingFileIsNamed() {
    InvalidRunSpecException e = assertThrows(InvalidRunSpecException.class, () -> RunSpecLoader.load(Path.of("configs/nope.yaml")));
    assertTrue(e.getMessage().contains("configs/nope.yaml") && e.getMessage().contains("does not exist"), e.getMessage());
  }
}
