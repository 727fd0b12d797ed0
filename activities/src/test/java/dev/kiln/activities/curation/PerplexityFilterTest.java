package dev.kiln.activities.curation;

import static dev.kiln.activities.curation.CurationFixtures.ENGLISH_PARAGRAPH;
import static dev.kiln.activities.curation.CurationFixtures.FRENCH_PARAGRAPH;
import static dev.kiln.activities.curation.CurationFixtures.WHITESPACE_TOKENS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.kiln.activities.hub.ModelCard;
import dev.kiln.activities.hub.ModelHub;
import dev.kiln.activities.storage.LocalBucket;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.tokenizer.BpeTokenizer;
import dev.kiln.activities.tokenizer.ByteLevelBpeTrainer;
import dev.kiln.activities.training.CausalLanguageModeling;
import dev.kiln.activities.training.TokenWindows;
import dev.kiln.activities.training.Trainer;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.curation.StepStats;
import dev.kiln.workflows.scope.Architecture;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.spec.CurationProfile;
import dev.kiln.workflows.spec.CurationStepSpec;
import dev.kiln.workflows.spec.RunSpec.CurationSpec;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The perplexity step with a tiny decoder trained here on English text and published to a hub in a local bucket:
 * English of the same kind is likely under it, French is not.
 */
class PerplexityFilterTest {
  private static final String HUB_ID = "tiny-reference";

  @TempDir static Path dir;
  static LocalBucket bucket;
  static ObjectStore store;

  @BeforeAll
  static void publishATinyReferenceModel() throws Exception {
    bucket = LocalBucket.start(dir, "kiln-test");
    store = bucket.store();
    String text = (ENGLISH_PARAGRAPH + "\n").repeat(30);
    String tokenizerJson = new ByteLevelBpeTrainer(300).train(List.of(text));
    int[] tokens;
    int vocab;
    try (BpeTokenizer tokenizer = BpeTokenizer.loadForText(tokenizerJson.getBytes(StandardCharsets.UTF_8), "test")) {
      tokens = tokenizer.encode(text);
      vocab = tokenizer.vocabSize();
    }
    ModelShape shape = new ModelShape(vocab, 32, 32, 2, 4);
    TrainingConfig config = TrainingConfig.builder().shape(shape).objective(Objective.CLM).batchSize(8).steps(80)
        .learningRate(1e-2, 1e-3).warmupSteps(5).weightDecay(0.1).gradClip(1.0).seed(3).checkpointEvery(80)
        .device("cpu").manifestKey("test").build();
    CausalLanguageModeling batches = new CausalLanguageModeling(new TokenWindows(tokens, 8, 3), 32);
    byte[] weights;
    try (Trainer trainer = new Trainer(shape, config, Device.cpu())) {
      trainer.initialise();
      for (int step = 0; step < 80; step++) {
        trainer.trainStep(step, batches.batch(step));
      }
      weights = trainer.modelState();
    }
    store.put("hub/" + HUB_ID + "/model.safetensors", weights);
    store.put("hub/" + HUB_ID + "/tokenizer.json", tokenizerJson.getBytes(StandardCharsets.UTF_8));
    new ModelHub(store).publish(new ModelCard(HUB_ID, Architecture.DECODER, Objective.CLM, 0, shape,
        "hub/" + HUB_ID + "/tokenizer.json", "hub/" + HUB_ID + "/model.safetensors", "other", List.of("en"),
        List.of("perplexity filtering"), "test", List.of(), Map.of(), "test", null));
  }

  @AfterAll
  static void stop() throws Exception {
    bucket.close();
  }

  @Test
  void keepsTextTheReferenceModelFindsLikely() {
    StoreCurationResources resources = new StoreCurationResources(store);
    PerplexityScorer scorer = resources.perplexityScorer(HUB_ID);
    assertSame(scorer, resources.perplexityScorer(HUB_ID), "one model per worker");
    double english = scorer.perplexity(ENGLISH_PARAGRAPH, 512);
    double french = scorer.perplexity(FRENCH_PARAGRAPH, 512);
    assertTrue(english < french, english + " vs " + french);

    double between = Math.sqrt(english * french);
    PerplexityFilter filter = PerplexityFilter.forShard(scorer,
        new CurationStepSpec.Perplexity(HUB_ID, between, null, null), List.of());
    assertInstanceOf(StepOutcome.Keep.class, filter.apply(new Document("en", ENGLISH_PARAGRAPH)));
    assertEquals(StepOutcome.drop(PerplexityFilter.TOO_HIGH), filter.apply(new Document("fr", FRENCH_PARAGRAPH)));
    assertEquals(StepOutcome.drop(PerplexityFilter.TOO_SHORT), filter.apply(new Document("x", "a")));
    assertEquals(2, filter.scores().total(), "too short a text has no score");

    Document en = new Document("en", ENGLISH_PARAGRAPH);
    Document fr = new Document("fr", FRENCH_PARAGRAPH);
    PerplexityFilter half = PerplexityFilter.forShard(scorer, new CurationStepSpec.Perplexity(HUB_ID, null, 0.5, null), List.of(en, fr));
    assertEquals(english, half.maxPerplexity(), 1e-9);
    assertInstanceOf(StepOutcome.Keep.class, half.apply(en));
    assertInstanceOf(StepOutcome.Drop.class, half.apply(fr));
  }

  @Test
  void thePipelineRecordsTheScoreHistogram() {
    CurationSpec spec = new CurationSpec("web.yaml", List.of("en", "fr"), 0.5, new CurationProfile("web",
        List.of(new CurationStepSpec.Perplexity(HUB_ID, null, 0.5, 256)), true, new CurationProfile.NearDedup(14, 8, 5)));
    CurationPipeline pipeline = new CurationPipeline(spec, Map.of(), WHITESPACE_TOKENS, new StoreCurationResources(store));
    CurationPipeline.ShardOutcome outcome = pipeline.run(List.of(
        RawDocument.of("a.txt", ENGLISH_PARAGRAPH.getBytes(StandardCharsets.UTF_8)),
        RawDocument.of("b.txt", FRENCH_PARAGRAPH.getBytes(StandardCharsets.UTF_8))));
    assertEquals(List.of("a.txt"), outcome.kept().stream().map(Document::id).toList());
    StepStats stats = outcome.steps().get(outcome.steps().size() - 1);
    assertEquals(PerplexityFilter.NAME, stats.step());
    assertNotNull(stats.scores());
    assertEquals(2, stats.scores().total());
    String report = CurationReport.of("run", "web", outcome.steps(), List.of()).text();
    assertTrue(report.contains("Scores of step perplexity (log10 perplexity, 2 documents)"), report);
  }

  @Test
  void aModelTheHubDoesNotHaveFailsWithoutRetry() {
    ApplicationFailure failure = assertThrows(ApplicationFailure.class,
        () -> new StoreCurationResources(store).perplexityScorer("no-such-model"));
    assertEquals(Failures.BAD_DATA, failure.getType());
    assertTrue(failure.isNonRetryable());
    assertTrue(failure.getOriginalMessage().contains("hub/no-such-model/"), failure.getOriginalMessage());
  }
}
