package dev.kiln.activities.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.workflows.spec.CurationProfile;
import dev.kiln.workflows.spec.CurationStepSpec;
import dev.kiln.workflows.spec.InvalidRunSpecException;
import dev.kiln.workflows.spec.RunSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad run specs are rejected before anything starts, with the file, the field and a fix in the message. */
class RunSpecLoaderTest {
  private static final Path BUNDLED = Path.of("..", "configs", "tiny-gpt.yaml");
  private static final Path PROFILE = Path.of("..", "configs", "curation", "english-web.yaml");

  private static String bundled() throws IOException {
    return Files.readString(BUNDLED);
  }

  @Test
  void theBundledSpecLoads() {
    RunSpec spec = RunSpecLoader.load(BUNDLED);
    assertEquals("tiny-gpt", spec.name());
    assertEquals("generation", spec.useCase().task());
    assertEquals("english-web", spec.curation().rules().name());
    assertEquals(List.of(CurationStepSpec.BoilerplateLines.class, CurationStepSpec.GopherRepetition.class,
            CurationStepSpec.GopherQuality.class, CurationStepSpec.C4.class, CurationStepSpec.FineWeb.class,
            CurationStepSpec.BadWords.class, CurationStepSpec.PiiScrubbing.class),
        spec.curation().rules().steps().stream().map(Object::getClass).toList());
    assertEquals(new CurationProfile.NearDedup(14, 8, 5), spec.curation().rules().nearDedup());
    assertFalse(spec.evaluation().comparesWithDecoder(), "the decoder comparison is opt-in");
  }

  @Test
  void aSpecMayChooseGpt2sTanhGelu(@TempDir Path dir) throws IOException {
    assertEquals(null, RunSpecLoader.load(BUNDLED).training().activation(), "the bundled spec keeps the exact GELU");
    Path spec = dir.resolve("tanh.yaml");
    Files.writeString(spec, bundled().replace("  # activation: gelu_new ", "  activation: gelu_new ")
        .replace("curation/english-web.yaml", BUNDLED.getParent().resolve("curation/english-web.yaml").toAbsolutePath().toString()));
    assertEquals("gelu_new", RunSpecLoader.load(spec).training().activation());
  }

  @Test
  void urlDedupAndTheTokenizerSampleAreOptional(@TempDir Path dir) throws IOException {
    RunSpec bundledSpec = RunSpecLoader.load(BUNDLED);
    assertFalse(bundledSpec.curation().rules().urlDedup(), "a profile without urlDedup: off");
    assertEquals(RunSpec.TokenizerSpec.DEFAULT_TRAINING_SAMPLE_CHARS, bundledSpec.tokenizer().sampleChars());
    Files.createDirectories(dir.resolve("curation"));
    Files.writeString(dir.resolve("curation/english-web.yaml"), Files.readString(PROFILE) + "urlDedup: true\n");
    RunSpec spec = RunSpecLoader.parse(bundled().replace("  vocabSize: 4096\n", "  vocabSize: 4096\n  trainingSampleChars: 5000000\n")
        .getBytes(StandardCharsets.UTF_8), "configs/sample.yaml", dir);
    assertTrue(spec.curation().rules().urlDedup());
    assertEquals(5_000_000L, spec.tokenizer().sampleChars());
    InvalidRunSpecException e = assertThrows(InvalidRunSpecException.class, () -> RunSpecLoader.parse(
        bundled().replace("  vocabSize: 4096\n", "  vocabSize: 4096\n  trainingSampleChars: 0\n").getBytes(StandardCharsets.UTF_8),
        "configs/bad.yaml", BUNDLED.getParent()));
    assertTrue(e.getMessage().contains("tokenizer.trainingSampleChars:"), e.getMessage());
  }

  @Test
  void theEncoderConfigOptsIntoTheDecoderComparisonItsDocumentedFiguresUse() {
    RunSpec spec = RunSpecLoader.load(Path.of("..", "configs", "classification-encoder.yaml"));
    assertTrue(spec.evaluation().comparesWithDecoder());
  }

  @Test
  void aSpecMayNameTheFormatTheRecordFieldsAndTheRecordsPerShard(@TempDir Path dir) throws IOException {
    Path spec = dir.resolve("parquet.yaml");
    Files.writeString(spec, bundled()
        .replace("  documentsPerShard: 200\n", "  documentsPerShard: 200\n  format: parquet\n  fields: {text: content, url: link}\n  recordsPerShard: 500\n")
        .replace("curation/english-web.yaml", PROFILE.toAbsolutePath().toString()));
    RunSpec.DataSpec data = RunSpecLoader.load(spec).data();
    assertEquals("parquet", data.formatOrAuto());
    assertEquals(new RunSpec.DataSpec.Fields("content", "id", "link"), data.fieldsOrDefaults());
    assertEquals(500, data.recordsPerShardOrDefault());
  }

  static Stream<Arguments> badProfiles() throws IOException {
    String ok = Files.readString(PROFILE);
    return Stream.of(
        Arguments.of("unknown step", ok.replace("- c4:", "- c5:"), "steps[3]", "one of [badWords, boilerplateLines, c4"),
        Arguments.of("missing threshold", ok.replace("      minSentences: 5\n", ""), "steps[3].c4.minSentences", "is missing"),
        Arguments.of("threshold out of range", ok.replace("maxShortLineFraction: 0.67", "maxShortLineFraction: 6.7"),
            "curation.profile.steps[4].maxShortLineFraction", "outside [0, 1]"),
        Arguments.of("missing near dedup", ok.replaceAll("(?s)nearDedup:.*", ""), "nearDedup", "is missing"));
  }

  /** A profile's problems name the profile file when they are found reading it, else the spec. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("badProfiles")
  void aBadProfileIsRejectedNamingFieldAndFix(String caseName, String profile, String field, String expected, @TempDir Path dir)
      throws IOException {
    Files.createDirectories(dir.resolve("curation"));
    Files.writeString(dir.resolve("curation/english-web.yaml"), profile);
    InvalidRunSpecException e = assertThrows(InvalidRunSpecException.class,
        () -> RunSpecLoader.parse(bundled().getBytes(StandardCharsets.UTF_8), "configs/bad.yaml", dir));
    assertTrue(e.getMessage().contains(field + ":"), "names the field " + field + ": " + e.getMessage());
    assertTrue(e.getMessage().contains(expected), "says '" + expected + "': " + e.getMessage());
  }

  @Test
  void aMissingProfileIsNamed() {
    InvalidRunSpecException e = assertThrows(InvalidRunSpecException.class, () -> RunSpecLoader.parse(
        bundled().replace("curation/english-web.yaml", "curation/nope.yaml").getBytes(StandardCharsets.UTF_8),
        "configs/bad.yaml", BUNDLED.getParent()));
    assertTrue(e.getMessage().contains("curation.profile:") && e.getMessage().contains("nope.yaml"), e.getMessage());
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
        Arguments.of("unknown device", ok.replace("device: cpu", "device: tpu"), "training.device", "cpu, gpu, gpu:N, gpu:all"),
        Arguments.of("context shorter than a corrupted span", ok.replace("task: generation", "task: summarization").replace("contextLength: 128", "contextLength: 16"), "training.contextLength", "too short for span corruption"),
        Arguments.of("no vocabulary left for the sentinels", ok.replace("task: generation", "task: summarization").replace("vocabSize: 4096", "vocabSize: 65535"), "tokenizer.vocabSize", "use vocabSize <= 65530"),
        Arguments.of("vocabulary too small", ok.replace("vocabSize: 4096", "vocabSize: 100"), "tokenizer.vocabSize", "260"),
        Arguments.of("decoder comparison of a decoder", ok.replace("  maxHeldOutTokens:", "  compareWithDecoder: true\n  maxHeldOutTokens:"),
            "evaluation.compareWithDecoder", "use a task that trains an encoder"),
        Arguments.of("empty file", "", "(file)", "is empty"),
        Arguments.of("duplicate key", ok.replace("  batchSize: 16\n", "  batchSize: 16\n  batchSize: 32\n"),
            "training.batchSize", "is given more than once (line 29)"),
        Arguments.of("duplicate section", ok + "tokenizer:\n  vocabSize: 8192\n", "tokenizer", "is given more than once"),
        Arguments.of("NaN", ok.replace("learningRate: 0.003", "learningRate: .nan"), "training.learningRate", "is .nan, not a finite number"),
        Arguments.of("infinity", ok.replace("trainingFlops: 1.0e13", "trainingFlops: .inf"), "budget.trainingFlops", "is .inf, not a finite number"),
        Arguments.of("negative infinity", ok.replace("dropout: 0.0", "dropout: -.Inf"), "training.dropout", "is -.inf, not a finite number"),
        Arguments.of("type error with its line", ok.replace("batchSize: 16", "batchSize: [16]"), "training.batchSize", "(line 28)"),
        Arguments.of("language without curation support", ok.replace("  languages: [en]\n  minLanguageConfidence",
            "  languages: [xx]\n  minLanguageConfidence"), "curation.languages[0]", "en, es"),
        Arguments.of("unknown data format", ok.replace("  documentsPerShard: 200\n", "  documentsPerShard: 200\n  format: arc\n"),
            "data.format", "auto, warc, jsonl, parquet, html, text"),
        Arguments.of("misspelled record field", ok.replace("  documentsPerShard: 200\n", "  documentsPerShard: 200\n  fields: {txt: content}\n"),
            "data.fields.txt", "not a known field"),
        Arguments.of("plain text", "KEY=" + "v".repeat(200) + "\n", "(file)", "is not a YAML mapping"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badSpecs")
  void aBadSpecIsRejectedNamingFileFieldAndFix(String caseName, String yaml, String field, String expected) {
    InvalidRunSpecException e = assertThrows(InvalidRunSpecException.class,
        () -> RunSpecLoader.parse(yaml.getBytes(StandardCharsets.UTF_8), "configs/bad.yaml", BUNDLED.getParent()));
    String message = e.getMessage();
    assertTrue(message.startsWith("invalid run spec configs/bad.yaml:"), message);
    assertTrue(message.contains(field + ":"), "names the field " + field + ": " + message);
    assertTrue(message.contains(expected), "says '" + expected + "': " + message);
    assertTrue(message.contains("fix:"), message);
    assertTrue(!message.contains("(line -1)") && !message.contains("v".repeat(41)), "no line -1, no long excerpt: " + message);
  }

  @Test
  void aProfileThatIsAnEnvFileIsRefusedWithoutItsContent(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve(".env"), "AWS_SECRET_ACCESS_KEY=not-for-your-eyes-123\n");
    InvalidRunSpecException e = assertThrows(InvalidRunSpecException.class, () -> RunSpecLoader.parse(
        bundled().replace("curation/english-web.yaml", ".env").getBytes(StandardCharsets.UTF_8), "configs/bad.yaml", dir));
    assertTrue(e.getMessage().contains("is not a curation profile"), e.getMessage());
    assertTrue(!e.getMessage().contains("not-for-your-eyes-123"), e.getMessage());
  }

  @Test
  void aHugeOrBinaryFileIsRefusedWithoutItsContent(@TempDir Path dir) throws IOException {
    Path big = dir.resolve("big.yaml");
    Files.writeString(big, "name: huge-run\n".repeat(200_000));
    InvalidRunSpecException e = assertThrows(InvalidRunSpecException.class, () -> RunSpecLoader.load(big));
    assertTrue(e.getMessage().contains("too large for a run spec") && !e.getMessage().contains("huge-run"), e.getMessage());
    Path binary = dir.resolve("model.bin");
    Files.write(binary, new byte[] {'n', 'a', 0, 1, 2, (byte) 0xff});
    e = assertThrows(InvalidRunSpecException.class, () -> RunSpecLoader.load(binary));
    assertTrue(e.getMessage().contains("is not a text file"), e.getMessage());
  }

  @Test
  void aMissingFileIsNamed() {
    InvalidRunSpecException e = assertThrows(InvalidRunSpecException.class, () -> RunSpecLoader.load(Path.of("configs/nope.yaml")));
    assertTrue(e.getMessage().contains("configs/nope.yaml") && e.getMessage().contains("does not exist"), e.getMessage());
  }
}
