package dev.kiln.activities.curation;

import static dev.kiln.activities.curation.CurationFixtures.ENGLISH_PARAGRAPH;
import static dev.kiln.activities.curation.CurationFixtures.WHITESPACE_TOKENS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.curation.quality.QualityModel;
import dev.kiln.activities.curation.quality.QualityTrainer;
import dev.kiln.activities.curation.quality.QualityTraining;
import dev.kiln.activities.storage.LocalBucket;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.curation.StepStats;
import dev.kiln.workflows.spec.CurationProfile;
import dev.kiln.workflows.spec.CurationStepSpec;
import dev.kiln.workflows.spec.RunSpec.CurationSpec;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The qualityClassifier step end to end over a local bucket: trained from prefixes (what kiln quality train runs),
 * stored, read back by the pipeline, applied, its histogram in the stats; a missing model named with the fix.
 */
class QualityClassifierStepTest {
  private static final String MENU = "Home | Download | Mirrors | Login | Sign up | Cookies | Contact | Sitemap | Search";
  private static final QualityTrainer.Settings SMALL = new QualityTrainer.Settings(1 << 12, 8, 1000, 40, 5, 0.5, 1, 0.2);

  @Test
  void trainedFromTheBucketAndAppliedByThePipeline(@TempDir Path dir) throws Exception {
    try (LocalBucket bucket = LocalBucket.start(dir, "kiln-test")) {
      ObjectStore store = bucket.store();
      for (int i = 0; i < 6; i++) {
        store.put("raw/books/b" + i + ".txt", (ENGLISH_PARAGRAPH + "\n").repeat(4 + i).getBytes(StandardCharsets.UTF_8));
        store.put("raw/site/p" + i + ".html", ("<html><body>" + ("<p>" + MENU + "</p>").repeat(6 + i) + "</body></html>")
            .getBytes(StandardCharsets.UTF_8));
      }
      QualityModel trained = QualityTraining.run(store, List.of("raw/books/"), List.of("raw/site/"),
          "models/quality/test", SMALL, message -> {});
      assertTrue(store.exists("models/quality/test/weights.bin") && store.exists("models/quality/test/model.json"));
      var json = new ObjectMapper().readTree(store.get("models/quality/test/model.json"));
      assertEquals(List.of("raw/books/"), List.of(json.get("positiveSources").get(0).asText()));
      assertTrue(json.get("heldOut").get("metrics").has("precision"));

      StoreCurationResources resources = new StoreCurationResources(store);
      QualityModel read = resources.qualityModel("models/quality/test/");
      assertSame(read, resources.qualityModel("models/quality/test/model.json"), "one copy per worker");
      assertArrayEquals(trained.classifier().toBytes(), read.classifier().toBytes());

      CurationSpec spec = new CurationSpec("web.yaml", List.of("en"), 0.0, new CurationProfile("web",
          List.of(new CurationStepSpec.QualityClassifier("models/quality/test/", 0.5, null)), true,
          new CurationProfile.NearDedup(14, 8, 5)));
      CurationPipeline.ShardOutcome outcome = new CurationPipeline(spec, Map.of(), WHITESPACE_TOKENS, resources).run(List.of(
          RawDocument.of("a.txt", ENGLISH_PARAGRAPH.getBytes(StandardCharsets.UTF_8)),
          RawDocument.of("b.txt", (MENU + "\n" + MENU).getBytes(StandardCharsets.UTF_8))));
      StepStats stats = outcome.steps().get(outcome.steps().size() - 1);
      assertEquals(QualityClassifierFilter.NAME, stats.step());
      assertEquals(List.of("a.txt"), outcome.kept().stream().map(Document::id).toList(), stats.toString());
      assertEquals(Map.of(QualityClassifierFilter.LOW_SCORE, 1L), stats.droppedByReason());
      assertEquals(2, stats.scores().total());
      assertEquals(stats.scores().counts().size(), 20);
      // shards' histograms add up
      assertEquals(4, stats.plus(stats).scores().total());
    }
  }

  @Test
  void statsWithoutScoresReadAndWriteAsBefore() throws Exception {
    ObjectMapper json = new ObjectMapper();
    String old = "{\"step\":\"decode\",\"documentsIn\":2,\"documentsKept\":1,\"tokensIn\":10,\"tokensKept\":5,"
        + "\"droppedByReason\":{\"undecodable\":1},\"nanos\":7}";
    StepStats read = json.readValue(old, StepStats.class);
    assertEquals(new StepStats("decode", 2, 1, 10, 5, Map.of("undecodable", 1L), 7), read);
    assertEquals(json.readTree(old), json.readTree(json.writeValueAsString(read)), "no scores field when there are none");
    StepStats scored = read.withScores(new dev.kiln.workflows.curation.ScoreHistogram("quality score", 0, 1, List.of(1L, 2L)));
    assertEquals(scored, json.readValue(json.writeValueAsString(scored), StepStats.class));
  }

  @Test
  void aMissingModelFailsWithoutRetryNamingTheKeyAndTheFix(@TempDir Path dir) throws Exception {
    try (LocalBucket bucket = LocalBucket.start(dir, "kiln-test")) {
      ApplicationFailure failure = assertThrows(ApplicationFailure.class,
          () -> new StoreCurationResources(bucket.store()).qualityModel("models/quality/none"));
      assertEquals(Failures.BAD_DATA, failure.getType());
      assertTrue(failure.isNonRetryable());
      assertTrue(failure.getOriginalMessage().contains("models/quality/none/model.json"), failure.getOriginalMessage());
      assertTrue(failure.getOriginalMessage().contains("kiln quality train"), failure.getOriginalMessage());

      bucket.store().put("models/quality/bad/model.json", "{}".getBytes(StandardCharsets.UTF_8));
      bucket.store().put("models/quality/bad/weights.bin", new byte[] {1, 2, 3});
      ApplicationFailure damaged = assertThrows(ApplicationFailure.class,
          () -> new StoreCurationResources(bucket.store()).qualityModel("models/quality/bad/"));
      assertTrue(damaged.getOriginalMessage().contains("cannot be read"), damaged.getOriginalMessage());
    }
  }
}
