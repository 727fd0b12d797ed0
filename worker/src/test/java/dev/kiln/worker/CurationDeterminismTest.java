package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.curation.CurationActivitiesImpl;
import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.workflows.curation.CurationActivities;
import dev.kiln.workflows.curation.CurationResult;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.curation.FinalizeRequest;
import dev.kiln.workflows.curation.FinalizeShardsRequest;
import dev.kiln.workflows.curation.ShardPlan;
import dev.kiln.workflows.curation.ShardRequest;
import dev.kiln.workflows.curation.ShardResult;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Curation is a pure function of its input and profile: two runs over the same raw objects write byte-identical
 * documents, signatures, tokenizer, token shards and manifest; and a shard redone after its worker died
 * overwrites its own outputs with the same bytes instead of adding any. Runs the real activities (english-web
 * profile) against s3proxy, on books, English handbook pages and their French and German versions.
 */
class CurationDeterminismTest {
  @TempDir static Path home;
  static EmbeddedStack stack;
  static ObjectStore store;
  static TestActivityEnvironment environment;
  static CurationActivities curation;
  static RunSpec spec;

  @BeforeAll
  static void seed() throws IOException {
    stack = EmbeddedStack.start(home.resolve("s3"), 0, 0);
    store = new ObjectStore(stack.storage("determinism"));
    store.ensureBucket();
    Path data = TestData.dataDir();
    for (String book : List.of("carroll-alice.txt", "shakespeare-hamlet.txt")) {
      store.put("raw/mix/" + book, data.resolve("raw/gutenberg").resolve(book));
    }
    for (String language : List.of("en-US", "fr-FR", "de-DE")) {
      try (var pages = Files.list(data.resolve("raw/debian-handbook").resolve(language))) {
        for (Path page : pages.sorted().limit(12).toList()) {
          store.put("raw/mix/" + language + "/" + page.getFileName(), page);
        }
      }
    }
    store.put(CurationActivitiesImpl.BAD_WORD_LISTS + "en.json", data.resolve("lists/ldnoobw/en.json"));
    RunSpec bundled = RunSpecLoader.load(Path.of("..", "configs", "tiny-gpt.yaml"));
    spec = new RunSpec(bundled.name(), bundled.useCase(), bundled.budget(), bundled.model(),
        new RunSpec.DataSpec(List.of("raw/mix/"), 0.1, 10, false, null), bundled.curation(), new RunSpec.TokenizerSpec(400),
        bundled.training(), bundled.evaluation(), bundled.resilience());
    environment = TestActivityEnvironment.newInstance();
    environment.registerActivitiesImplementations(new CurationActivitiesImpl(store));
    curation = environment.newActivityStub(CurationActivities.class,
        ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(5)).build());
  }

  @AfterAll
  static void stop() {
    environment.close();
    store.close();
    stack.close();
  }

  private static CurationResult curate(String runId) {
    ShardPlan plan = curation.planShards(new CurationActivities.PlanRequest(runId, spec, null));
    List<ShardResult> shards = new ArrayList<>();
    for (int shard = 0; shard < plan.shards(); shard++) {
      shards.add(curation.curateShard(new ShardRequest(runId, spec, plan.planKey(), shard, plan.shards())));
    }
    return curation.finalizeCuration(new FinalizeRequest(runId, spec, null, shards));
  }

  /** Every output of a run but those that record time or the run's id, by name relative to the run. */
  private static Map<String, byte[]> outputs(String runId) {
    String prefix = "runs/" + runId + "/curated/";
    return store.list(prefix).stream()
        .map(ObjectStore.StoredObject::key)
        .filter(key -> !key.endsWith("stats.json") && !key.contains("/report."))
        .collect(Collectors.toMap(key -> key.substring(prefix.length()), store::get, (a, b) -> a, TreeMap::new));
  }

  @Test
  void twoRunsOnTheSameInputWriteIdenticalBytes() {
    CurationResult first = curate("determinism-a");
    CurationResult second = curate("determinism-b");
    Map<String, byte[]> a = outputs("determinism-a");
    Map<String, byte[]> b = outputs("determinism-b");
    assertEquals(a.keySet(), b.keySet());
    assertTrue(a.containsKey("manifest.json") && a.containsKey("tokenizer.json") && a.containsKey("train-00000.bin"), a.keySet().toString());
    a.forEach((name, bytes) -> assertArrayEquals(bytes, b.get(name), name + " differs between runs"));
    assertEquals(first.funnel().stream().map(s -> s.documentsKept()).toList(), second.funnel().stream().map(s -> s.documentsKept()).toList());
    assertTrue(first.funnel().stream().anyMatch(s -> s.step().equals("near-dedup")), first.funnel().toString());
    assertTrue(store.exists(first.reportKey()) && store.exists(first.funnelChartKey()));
  }

  @Test
  void aShardRedoneAfterItsWorkerDiedAddsNoOutput() {
    String runId = "determinism-kill";
    ShardPlan plan = curation.planShards(new CurationActivities.PlanRequest(runId, spec, null));
    ShardRequest request = new ShardRequest(runId, spec, plan.planKey(), 1, plan.shards());
    ShardResult done = curation.curateShard(request);
    Map<String, byte[]> before = outputs(runId);
    // the worker died after writing documents and signatures but before the stats that mark the shard done
    store.delete(String.format("runs/%s/curated/docs/shard-%05d.stats.json", runId, 1));
    ShardResult redone = curation.curateShard(request);
    Map<String, byte[]> after = outputs(runId);
    assertEquals(before.keySet(), after.keySet());
    before.forEach((name, bytes) -> assertArrayEquals(bytes, after.get(name), name + " changed when redone"));
    assertEquals(done.documentsKept(), redone.documentsKept());
    assertTrue(store.exists(String.format("runs/%s/curated/docs/shard-%05d.stats.json", runId, 1)));
  }

  /** Curates every shard of a run and drops the results, as a run curated in batches does. */
  private static ShardPlan curateShardsOnly(String runId, int skipShard) {
    ShardPlan plan = curation.planShards(new CurationActivities.PlanRequest(runId, spec, null));
    for (int shard = 0; shard < plan.shards(); shard++) {
      if (shard != skipShard) {
        curation.curateShard(new ShardRequest(runId, spec, plan.planKey(), shard, plan.shards()));
      }
    }
    return plan;
  }

  @Test
  void finalizingFromTheShardsStatsFilesWritesWhatFinalizingFromTheirResultsDoes() {
    CurationResult fromResults = curate("determinism-results");
    ShardPlan plan = curateShardsOnly("determinism-stats", -1);
    CurationResult fromStats = curation.finalizeCurationFromStats(new FinalizeShardsRequest("determinism-stats", spec, null, plan.shards()));
    Map<String, byte[]> a = outputs("determinism-results");
    Map<String, byte[]> b = outputs("determinism-stats");
    assertEquals(a.keySet(), b.keySet());
    a.forEach((name, bytes) -> assertArrayEquals(bytes, b.get(name), name + " differs"));
    assertEquals(fromResults.keptDocuments(), fromStats.keptDocuments());
    assertEquals(fromResults.funnel().stream().map(s -> s.documentsKept()).toList(), fromStats.funnel().stream().map(s -> s.documentsKept()).toList());
  }

  @Test
  void finalizingFromStatsFailsForGoodWhenAShardWasNeverCurated() {
    ShardPlan plan = curateShardsOnly("determinism-missing", 1);
    ActivityFailure failure = assertThrows(ActivityFailure.class,
        () -> curation.finalizeCurationFromStats(new FinalizeShardsRequest("determinism-missing", spec, null, plan.shards())));
    ApplicationFailure cause = assertInstanceOf(ApplicationFailure.class, failure.getCause());
    assertEquals(Failures.BAD_DATA, cause.getType());
    assertTrue(cause.getOriginalMessage().contains("shard 1 of " + plan.shards()), cause.getOriginalMessage());
  }
}
