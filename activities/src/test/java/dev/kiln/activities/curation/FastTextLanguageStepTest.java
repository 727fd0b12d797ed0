package dev.kiln.activities.curation;

import static dev.kiln.activities.curation.CurationFixtures.WHITESPACE_TOKENS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.curation.fasttext.FastTextModel;
import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.LocalBucket;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.curation.StepStats;
import dev.kiln.workflows.spec.CurationProfile;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.spec.RunSpec.CurationSpec;
import dev.kiln.workflows.spec.SpecProblem;
import io.temporal.failure.ApplicationFailure;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The language step with a fastText model (curation.languageModel): read from the bucket, applied as DataTrove's
 * LanguageFilter decides, its absence named before the run and in the shard; a spec without it is as it was.
 */
class FastTextLanguageStepTest {
  private static final String KEY = "models/lid/tiny-hs.ftz";
  private static final CurationProfile NO_STEPS = new CurationProfile("none", List.of(), true,
      new CurationProfile.NearDedup(14, 8, 5));

  private static byte[] tinyModel() throws Exception {
    try (InputStream in = FastTextLanguageStepTest.class.getResourceAsStream("/fasttext/tiny-hs.ftz")) {
      return in.readAllBytes();
    }
  }

  @Test
  void keepsWhatTheModelCallsAWantedLanguage(@TempDir Path dir) throws Exception {
    try (LocalBucket bucket = LocalBucket.start(dir, "kiln-test")) {
      ObjectStore store = bucket.store();
      store.put(KEY, tinyModel());
      StoreCurationResources resources = new StoreCurationResources(store);
      assertSame(resources.languageModel(KEY), resources.languageModel(KEY), "one copy per worker");
      CurationSpec spec = new CurationSpec("none.yaml", List.of("en"), 0.65, NO_STEPS, KEY);
      CurationPipeline.ShardOutcome outcome = new CurationPipeline(spec, Map.of(), WHITESPACE_TOKENS, resources).run(List.of(
          RawDocument.of("en.txt", "the cat sat on the mat\nwe like to read books".getBytes(StandardCharsets.UTF_8)),
          RawDocument.of("fr.txt", "le chat est sur le tapis".getBytes(StandardCharsets.UTF_8)),
          RawDocument.of("ja.txt", "駅 は どこ です か".getBytes(StandardCharsets.UTF_8))));
      assertEquals(List.of("en.txt"), outcome.kept().stream().map(Document::id).toList());
      StepStats language = outcome.steps().stream().filter(s -> s.step().equals(LanguageFilter.NAME)).findFirst().orElseThrow();
      assertEquals(Map.of("language:fr", 1L, "language:ja", 1L), language.droppedByReason());
    }
  }

  @Test
  void decidesOnTheWholeTextWithNewlinesAsSpaces() throws Exception {
    FastTextModel model = FastTextModel.load(new java.io.ByteArrayInputStream(tinyModel()));
    LanguageFilter filter = new LanguageFilter(List.of("en"), 0.65, model);
    String text = "the cat sat on the mat\nwe like to read books";
    double english = model.predict(text.replace('\n', ' '), -1).stream()
        .filter(p -> p.label().equals("__label__en")).findFirst().orElseThrow().probability();
    assertTrue(english > 0.65, "the tiny model knows its English: " + english);
    Document doc = new Document("a", text);
    assertEquals(StepOutcome.keep(doc), filter.apply(doc));
    LanguageFilter strict = new LanguageFilter(List.of("en"), english, model);
    assertEquals(StepOutcome.drop("language:unknown"), strict.apply(doc),
        "kept only above the threshold, as DataTrove compares");
  }

  @Test
  void aMissingModelIsNamedBeforeTheRunAndInTheShard(@TempDir Path dir) throws Exception {
    try (LocalBucket bucket = LocalBucket.start(dir, "kiln-test")) {
      ObjectStore store = bucket.store();
      RunSpec bundled = RunSpecLoader.load(Path.of("..", "configs", "tiny-gpt.yaml"));
      assertEquals(List.of(), dev.kiln.activities.curation.CurationResourcesCheck.problems(bundled, store).stream()
          .filter(p -> p.field().startsWith("curation.languageModel")).toList());
      RunSpec withModel = new RunSpec(bundled.name(), bundled.useCase(), bundled.budget(), bundled.model(), bundled.data(),
          new CurationSpec(bundled.curation().profile(), bundled.curation().languages(),
              bundled.curation().minLanguageConfidence(), bundled.curation().rules(), KEY),
          bundled.tokenizer(), bundled.training(), bundled.evaluation(), bundled.resilience());
      List<SpecProblem> problems = dev.kiln.activities.curation.CurationResourcesCheck.problems(withModel, store).stream()
          .filter(p -> p.field().equals("curation.languageModel")).toList();
      assertEquals(1, problems.size());
      assertTrue(problems.get(0).fix().contains("infra/fetch-lid-model.sh"), problems.get(0).toString());

      ApplicationFailure missing = assertThrows(ApplicationFailure.class,
          () -> new StoreCurationResources(store).languageModel(KEY));
      assertEquals(Failures.BAD_DATA, missing.getType());
      assertTrue(missing.getOriginalMessage().contains(KEY) && missing.getOriginalMessage().contains("Fix:"),
          missing.getOriginalMessage());

      store.put(KEY, "not a model".getBytes(StandardCharsets.UTF_8));
      ApplicationFailure unreadable = assertThrows(ApplicationFailure.class,
          () -> new StoreCurationResources(store).languageModel(KEY));
      assertTrue(unreadable.getOriginalMessage().contains("cannot be read as a fastText model"),
          unreadable.getOriginalMessage());
    }
  }

  @Test
  void aSpecWithoutTheModelSerializesAsBefore(@TempDir Path dir) throws Exception {
    ObjectMapper json = new ObjectMapper();
    CurationSpec without = new CurationSpec("p.yaml", List.of("en"), 0.65, NO_STEPS);
    assertFalse(json.writeValueAsString(without).contains("languageModel"), json.writeValueAsString(without));
    assertEquals(without, json.readValue(json.writeValueAsString(without), CurationSpec.class));
    CurationSpec with = new CurationSpec("p.yaml", List.of("en"), 0.65, NO_STEPS, KEY);
    assertEquals(with, json.readValue(json.writeValueAsString(with), CurationSpec.class));

    Path spec = dir.resolve("lid.yaml");
    String bundled = Files.readString(Path.of("..", "configs", "tiny-gpt.yaml"))
        .replace("curation/english-web.yaml", Path.of("..", "configs", "curation", "english-web.yaml").toAbsolutePath().toString());
    Files.writeString(spec, bundled.replace("  minLanguageConfidence: 0.65\n",
        "  minLanguageConfidence: 0.65\n  languageModel: " + KEY + "\n"));
    assertEquals(KEY, RunSpecLoader.load(spec).curation().languageModel());
    assertEquals(null, RunSpecLoader.load(Path.of("..", "configs", "tiny-gpt.yaml")).curation().languageModel());
    Files.writeString(spec, bundled.replace("  minLanguageConfidence: 0.65\n",
        "  minLanguageConfidence: 0.65\n  languageModel: models/\n"));
    dev.kiln.workflows.spec.InvalidRunSpecException prefix = assertThrows(
        dev.kiln.workflows.spec.InvalidRunSpecException.class, () -> RunSpecLoader.load(spec));
    assertTrue(prefix.getMessage().contains("curation.languageModel"), prefix.getMessage());
  }
}
