package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.curation.CurationActivitiesImpl;
import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.tokenizer.TokenManifest;
import dev.kiln.activities.tokenizer.TokenShards;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.curation.CurationActivities;
import dev.kiln.workflows.curation.CurationRequest;
import dev.kiln.workflows.curation.CurationResult;
import dev.kiln.workflows.curation.CurationWorkflow;
import dev.kiln.workflows.curation.CurationWorkflowImpl;
import dev.kiln.workflows.curation.DedupLayout;
import dev.kiln.workflows.curation.FinalizeRequest;
import dev.kiln.workflows.curation.GlobalStageRequest;
import dev.kiln.workflows.curation.ShardPlan;
import dev.kiln.workflows.curation.ShardRequest;
import dev.kiln.workflows.curation.ShardResult;
import dev.kiln.workflows.curation.StepStats;
import dev.kiln.workflows.fanout.FanOutSettings;
import dev.kiln.workflows.fanout.ShardBatchWorkflowImpl;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestActivityEnvironment;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partitioned global stage a new run takes writes what the single-process finalizeCuration wrote: the same
 * tokenizer (bytes), the same train and held-out token streams (cut into a shard list per curated shard instead of
 * 1 Mi-token global shards), the same funnel and counts. Real activities, english-web profile, books and handbook
 * pages in three languages, against s3proxy.
 */
class PartitionedCurationEquivalenceTest {
  @TempDir static Path home;
  static EmbeddedStack stack;
  static ObjectStore store;
  static TestActivityEnvironment environment;
  static CurationActivities curation;
  static RunSpec spec;

  @BeforeAll
  static void seed() throws IOException {
    stack = EmbeddedStack.start(home.resolve("s3"), 0, 0);
    store = new ObjectStore(stack.storage("partitioned"));
    store.ensureBucket();
    Path data = TestData.dataDir();
    for (String book : List.of("carroll-alice.txt", "shakespeare-hamlet.txt", "blake-poems.txt")) {
      store.put("raw/mix/" + book, data.resolve("raw/gutenberg").resolve(book));
      // a second copy under another name: an exact duplicate across shards
      store.put("raw/mix/zz-copy-" + book, data.resolve("raw/gutenberg").resolve(book));
    }
    for (String language : List.of("en-US", "fr-FR")) {
      try (var pages = Files.list(data.resolve("raw/debian-handbook").resolve(language))) {
        for (Path page : pages.sorted().limit(15).toList()) {
          store.put("raw/mix/" + language + "/" + page.getFileName(), page);
        }
      }
    }
    store.put(CurationActivitiesImpl.BAD_WORD_LISTS + "en.json", data.resolve("lists/ldnoobw/en.json"));
    RunSpec bundled = RunSpecLoader.load(Path.of("..", "configs", "tiny-gpt.yaml"));
    spec = new RunSpec(bundled.name(), bundled.useCase(), bundled.budget(), bundled.model(),
        new RunSpec.DataSpec(List.of("raw/mix/"), 0.1, 8, false, null), bundled.curation(), new RunSpec.TokenizerSpec(400),
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

  private static List<ShardResult> curateShards(String runId) {
    ShardPlan plan = curation.planShards(new CurationActivities.PlanRequest(runId, spec, null));
    List<ShardResult> shards = new ArrayList<>();
    for (int shard = 0; shard < plan.shards(); shard++) {
      shards.add(curation.curateShard(new ShardRequest(runId, spec, plan.planKey(), shard, plan.shards())));
    }
    return shards;
  }

  /** The stages in the order CurationWorkflowImpl runs them, one task after another. */
  private static CurationResult partitioned(String runId, int shards) {
    DedupLayout layout = DedupLayout.of(shards, spec.curation().rules());
    GlobalStageRequest base = new GlobalStageRequest(runId, spec, null, layout, 0);
    for (int s = 0; s < shards; s++) {
      curation.writeDedupKeys(base.withIndex(s));
    }
    for (int g = 0; g < layout.bandGroups(); g++) {
      curation.findNearDuplicatePairs(base.withIndex(g));
    }
    for (int p = 0; p < layout.partitions(); p++) {
      curation.findExactDuplicates(base.withIndex(p));
    }
    curation.clusterDuplicates(base);
    for (int s = 0; s < shards; s++) {
      curation.filterShard(base.withIndex(s));
    }
    curation.summarizeGlobalStage(base);
    GlobalStageRequest tokenized = base.withTokenizer(curation.trainTokenizerOnSample(base));
    for (int s = 0; s < shards; s++) {
      curation.tokenizeShard(tokenized.withIndex(s));
    }
    return curation.mergeManifest(tokenized);
  }

  private static int[] tokens(String runId, List<TokenManifest.Shard> shards, String dtype) {
    List<byte[]> contents = new ArrayList<>();
    for (TokenManifest.Shard shard : shards) {
      contents.add(store.get("runs/" + runId + "/curated/" + shard.name()));
    }
    return TokenShards.readAll(contents, dtype);
  }

  private static TokenManifest manifest(CurationResult result) {
    return TokenManifest.fromJson(new String(store.get(result.manifestKey()), StandardCharsets.UTF_8));
  }

  private static List<StepStats> withoutTime(List<StepStats> funnel) {
    return funnel.stream().map(s -> new StepStats(s.step(), s.documentsIn(), s.documentsKept(), s.tokensIn(), s.tokensKept(),
        s.droppedByReason(), 0)).toList();
  }

  @Test
  void aNewRunWritesWhatTheSingleProcessStageWrote() {
    List<ShardResult> shards = curateShards("single");
    assertTrue(shards.size() >= 4, "several shards: " + shards.size());
    CurationResult single = curation.finalizeCuration(new FinalizeRequest("single", spec, null, shards));
    CurationResult split = partitioned("partitioned", curateShards("partitioned").size());

    assertArrayEquals(store.get(single.tokenizerKey()), store.get(split.tokenizerKey()), "tokenizer.json");
    TokenManifest a = manifest(single);
    TokenManifest b = manifest(split);
    assertEquals(List.of(a.dtype(), a.vocabSize(), a.eosId()), List.of(b.dtype(), b.vocabSize(), b.eosId()));
    assertArrayEquals(tokens("single", a.train(), a.dtype()), tokens("partitioned", b.train(), b.dtype()), "train tokens");
    assertArrayEquals(tokens("single", a.heldOut(), a.dtype()), tokens("partitioned", b.heldOut(), b.dtype()), "held-out tokens");
    assertEquals(withoutTime(single.funnel()), withoutTime(split.funnel()));
    assertTrue(single.funnel().stream().anyMatch(s -> s.step().equals("exact-dedup") && s.documentsDropped() > 0),
        "the copies of the books are exact duplicates: " + single.funnel());
    assertEquals(List.of(single.rawDocuments(), single.rawTokens(), single.keptDocuments(), single.keptTokens(),
            single.trainTokens(), single.heldOutTokens(), single.vocabSize()),
        List.of(split.rawDocuments(), split.rawTokens(), split.keptDocuments(), split.keptTokens(), split.trainTokens(),
            split.heldOutTokens(), split.vocabSize()));
    assertTrue(store.exists(split.reportKey()) && store.exists(split.funnelChartKey()) && store.exists(split.statsKey()));
  }

  /**
   * The curation workflow with the real activities, once the way a small corpus goes (directly from the workflow) and
   * once forced through batches (every stage in batch children of 2 shards, children continuing as new after 3, the
   * curation workflow after every 2 batches and every global step): the same tokenizer, token streams and funnel.
   */
  @Test
  void theBatchedWorkflowWritesWhatTheDirectOneWrote() {
    TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance(
        TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    try {
      Worker cpu = env.newWorker(TaskQueues.CPU);
      cpu.registerWorkflowImplementationTypes(CurationWorkflowImpl.class, ShardBatchWorkflowImpl.class);
      cpu.registerActivitiesImplementations(new CurationActivitiesImpl(store));
      env.start();
      CurationResult direct = curate(env, "wf-direct", null);
      CurationResult batched = curate(env, "wf-batched", new FanOutSettings(0, 2, 2, 2, 3, 2));

      assertArrayEquals(store.get(direct.tokenizerKey()), store.get(batched.tokenizerKey()), "tokenizer.json");
      TokenManifest a = manifest(direct);
      TokenManifest b = manifest(batched);
      assertArrayEquals(tokens("wf-direct", a.train(), a.dtype()), tokens("wf-batched", b.train(), b.dtype()), "train tokens");
      assertArrayEquals(tokens("wf-direct", a.heldOut(), a.dtype()), tokens("wf-batched", b.heldOut(), b.dtype()), "held-out tokens");
      assertEquals(withoutTime(direct.funnel()), withoutTime(batched.funnel()));
      assertEquals(List.of(direct.rawDocuments(), direct.keptDocuments(), direct.trainTokens(), direct.heldOutTokens()),
          List.of(batched.rawDocuments(), batched.keptDocuments(), batched.trainTokens(), batched.heldOutTokens()));
      // it did go through batch children: the first batch of each per-shard step (shards 0-1) is one
      for (String step : List.of("curate", "dedup-keys", "filter", "tokenize")) {
        WorkflowExecutionHistory first = env.getWorkflowClient().fetchHistory("wf-batched-" + step + "-0-1");
        assertTrue(first.getEvents().size() > 0, step);
      }
    } finally {
      env.close();
    }
  }

  private static CurationResult curate(TestWorkflowEnvironment env, String runId, FanOutSettings fanOut) {
    CurationWorkflow workflow = env.getWorkflowClient().newWorkflowStub(CurationWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(runId).setTaskQueue(TaskQueues.CPU).build());
    return workflow.curate(new CurationRequest(runId, spec, null, null, fanOut, null));
  }
}
