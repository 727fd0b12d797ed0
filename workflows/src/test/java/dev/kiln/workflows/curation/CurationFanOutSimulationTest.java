package dev.kiln.workflows.curation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.TestSpecs;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.fanout.FanOutSettings;
import dev.kiln.workflows.fanout.ShardBatchWorkflowImpl;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInfo;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import io.temporal.worker.WorkflowImplementationOptions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Curation of a 25,000-shard corpus, or with {@code -Dkiln.simulation.shards=100000} a 100,000-shard one (a Common
 * Crawl snapshot is ~90,000 WARC files), through the batched fan-out and the batched global stage, on Temporal's in-JVM test server with instant fake activities: every history stays far
 * below Temporal's caps, no workflow has more activities or batch children in flight than configured, and killing
 * the workflow worker twice, a quarter of the way into curating the shards and half-way through writing their dedup
 * keys (a new one takes over on the same task queue each time), loses no task of any stage and counts none twice.
 *
 * <p>The settings are curation's own scaled with the corpus so that everything that happens at scale happens here:
 * 100 batch children per per-shard step (of 1,000 shards at 100,000), each continuing as new after a tenth of its
 * shards (ten runs each), and the curation workflow continuing as new every 40 batches (three runs over the 100
 * batches of each per-shard step) and after each fan-out step of the global stage.
 *
 * <p>The default is a quarter of a snapshot because the in-JVM test server's cost per activity grows with the
 * activities it has seen: the 400,000 activities of a 100,000-shard run take about 40 minutes on 2 busy cores, the
 * 100,000 of this one a few minutes. The histories' sizes do not depend on the corpus (the batches per run and shards
 * per child run are the same); see docs/curation-at-scale.md for the 100,000-shard run.
 */
class CurationFanOutSimulationTest {
  /** 25,000; {@code -Dkiln.simulation.shards=N}, a multiple of 1,000 (100,000 for a snapshot's size). */
  private static final int SHARDS = Integer.getInteger("kiln.simulation.shards", 25_000);
  private static final FanOutSettings SETTINGS = new FanOutSettings(256, SHARDS / 100, 8, 32, SHARDS / 1_000, 40);
  /** Temporal's cap is 51,200; this is the margin the batching is meant to keep. */
  private static final int MAX_EVENTS_PER_HISTORY = 10_000;
  private static final String WORKFLOW_ID = "sim-curate";
  /**
   * Only the curation section: the fakes read no spec, the workflow reads the rules' dedup settings (band groups,
   * exact dedup), and every task's request carries the spec, 400,000 copies that would only slow the in-JVM server.
   */
  private static final RunSpec SPEC = new RunSpec("sim", null, null, null, null, TestSpecs.valid().curation(), null, null, null, null);

  /**
   * The fakes finish at once, so curateShard's heartbeat timeout (15 s, ActivityPolicies.DATA_WORK) only costs: the
   * in-JVM server fires one timer per activity, and each firing takes longer the more timers it has fired (a linked
   * list of time locks), which doubled the time per shard of a 100,000-shard run. Beyond the test's length it never
   * fires. Nothing else of the workflows' options changes, and no decision depends on it.
   */
  private static final WorkflowImplementationOptions INSTANT_SHARDS = WorkflowImplementationOptions.newBuilder()
      .setActivityOptions(FakeCuration.PER_INDEX.stream().collect(Collectors.toMap(
          type -> type, type -> ActivityOptions.newBuilder().setHeartbeatTimeout(Duration.ofHours(2)).build())))
      .build();

  private TestWorkflowEnvironment env;
  private final FakeCuration activities = new FakeCuration(SHARDS / 4, SHARDS / 2);

  @AfterEach
  void tearDown() {
    if (env != null) {
      env.close();
    }
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.MINUTES) // a guard against a hang, not an assertion on speed
  void runsEveryTaskOnceWithBoundedHistoriesAcrossWorkflowWorkerKills() throws Exception {
    long start = System.nanoTime();
    // real time: nothing here waits on a timer, and skipped time would expire the activities' heartbeat timeouts
    env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    // activities on the environment's own worker, which lives through the test; workflows on a factory of their own,
    // the "workflow worker" that is killed
    env.newWorker(TaskQueues.CPU, WorkerOptions.newBuilder().setMaxConcurrentActivityExecutionSize(200)
            .setMaxConcurrentActivityTaskPollers(8).build())
        .registerActivitiesImplementations(activities);
    env.start();
    WorkerFactory workflowWorker = startWorkflowWorker(false);

    WorkflowClient client = env.getWorkflowClient();
    CurationWorkflow curation = client.newWorkflowStub(
        CurationWorkflow.class, WorkflowOptions.newBuilder().setWorkflowId(WORKFLOW_ID).setTaskQueue(TaskQueues.CPU).build());
    WorkflowExecution execution = WorkflowClient.start(curation::curate, new CurationRequest("sim", SPEC, null, null, SETTINGS, null));

    activities.curateKill.await();
    CurationWorkflow.CurationProgress midway = curation.progress();
    workflowWorker = restart(workflowWorker, false);
    int doneAtKill = activities.completed("CurateShard");
    activities.dedupKeysKill.await();
    restart(workflowWorker, true);
    int keyedAtKill = activities.completed("WriteDedupKeys");

    CurationResult result = WorkflowStub.fromTyped(curation).getResult(CurationResult.class);
    long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();

    assertTrue(doneAtKill < SHARDS, "the worker was killed part-way, after " + doneAtKill + " shards");
    assertTrue(keyedAtKill < SHARDS, "the worker was killed part-way through the dedup keys, after " + keyedAtKill + " shards");
    assertTrue(midway.shardsDone() < SHARDS, "progress before the end: " + midway);
    // every task of every stage ran, after the tasks it depends on, and the workflows counted each exactly once
    DedupLayout layout = DedupLayout.of(SHARDS, SPEC.curation().rules());
    Map<String, Integer> tasks = Map.of("CurateShard", SHARDS, "WriteDedupKeys", SHARDS, "FindNearDuplicatePairs",
        layout.bandGroups(), "FindExactDuplicates", layout.partitions(), "FilterShard", SHARDS, "TokenizeShard", SHARDS);
    tasks.forEach((type, count) -> {
      for (int index = 0; index < count; index++) {
        assertTrue(activities.executions(type).get(index) >= 1, type + " " + index + " never ran");
      }
    });
    assertEquals(List.of(), activities.problems);
    assertEquals(List.of("PlanShards", "CurateShard", "WriteDedupKeys", "FindNearDuplicatePairs", "FindExactDuplicates",
        "ClusterDuplicates", "FilterShard", "SummarizeGlobalStage", "TrainTokenizerOnSample", "TokenizeShard", "MergeManifest"),
        activities.stageOrder(), "stages in order, each begun only once the one before had finished");
    assertEquals(new CurationWorkflow.CurationProgress(SHARDS, SHARDS, "done"), curation.progress());
    assertEquals(3L * SHARDS, result.rawDocuments(), "the summary read every shard's stats");
    assertEquals(2L * SHARDS, result.keptDocuments());
    assertEquals(100L * SHARDS, result.trainTokens(), "the manifest has every tokenized shard");

    Histories histories = histories(client, execution);
    System.out.printf("%,d shards in %,d ms; %d curation runs, %d batch runs; max events per history: curation %,d,"
            + " batch %,d; max activities in flight per run %d (history) / %d (executing); max batches in flight %d;"
            + " activity executions %,d (%s); %,d shards curated and %,d keyed when the worker was killed%n",
        SHARDS, millis, histories.parentRuns, histories.childRuns, histories.maxParentEvents, histories.maxChildEvents,
        histories.maxActivitiesPending, activities.maxInFlight.get(), histories.maxChildrenPending,
        activities.total.get(), activities.executionsByType(), doneAtKill, keyedAtKill);
    int perShardStages = 4; // curate, dedup keys, filter, tokenize
    int batches = SHARDS / SETTINGS.shardsPerBatch();
    int runsPerStage = (batches + SETTINGS.batchesPerRun() - 1) / SETTINGS.batchesPerRun();
    assertTrue(histories.parentRuns >= perShardStages * runsPerStage,
        "the curation workflow continued as new: " + histories.parentRuns + " runs");
    assertTrue(histories.childRuns >= perShardStages * 10 * SHARDS / SETTINGS.shardsPerBatch(),
        "batches continued as new: " + histories.childRuns);
    assertTrue(histories.maxParentEvents < MAX_EVENTS_PER_HISTORY, "curation history of " + histories.maxParentEvents + " events");
    assertTrue(histories.maxChildEvents < MAX_EVENTS_PER_HISTORY, "batch history of " + histories.maxChildEvents + " events");
    assertTrue(histories.maxActivitiesPending <= SETTINGS.shardsInFlightPerBatch(), "activities pending: " + histories.maxActivitiesPending);
    assertTrue(activities.maxInFlight.get() <= SETTINGS.shardsInFlightPerBatch(), "activities executing: " + activities.maxInFlight);
    assertTrue(histories.maxChildrenPending <= SETTINGS.batchesInFlight(), "batches in flight: " + histories.maxChildrenPending);
    assertEquals(0, histories.perIndexInParent, "no per-shard activity in the curation workflow's own history");
    // the batched code replays its own histories: every run of the curation workflow, and every run of one batch
    try (TestWorkflowEnvironment replay = TestWorkflowEnvironment.newInstance()) {
      Worker worker = replay.newWorker("replay", WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(60_000).build());
      worker.registerWorkflowImplementationTypes(CurationWorkflowImpl.class, ShardBatchWorkflowImpl.class);
      for (WorkflowExecutionHistory history : histories.toReplay) {
        WorkflowReplayer.replayWorkflowExecution(history, worker);
      }
    }
  }

  /** Kills the workflow worker and starts another on the same task queue. */
  private WorkerFactory restart(WorkerFactory workflowWorker, boolean sticky) throws InterruptedException {
    workflowWorker.shutdownNow();
    workflowWorker.awaitTermination(1, TimeUnit.MINUTES);
    return startWorkflowWorker(sticky);
  }

  /**
   * A workflow worker of its own factory. The in-JVM test server never moves a workflow task off a dead worker's sticky
   * queue (a real server does after the sticky schedule-to-start timeout; the test server implements neither that nor
   * ShutdownWorker), so the workers that are killed do not ask for sticky tasks: each of their workflow tasks carries
   * the whole history and is replayed, which is what a worker that takes over does anyway. The last one, which is not
   * killed, caches its workflows as a real worker does.
   */
  private WorkerFactory startWorkflowWorker(boolean sticky) {
    WorkerFactory factory = WorkerFactory.newInstance(env.getWorkflowClient());
    factory.newWorker(TaskQueues.CPU, WorkerOptions.newBuilder()
            // the first workflow task of a JVM loads classes for longer than the 1 s default allows on a busy machine
            .setDefaultDeadlockDetectionTimeout(60_000)
            .setStickyQueueScheduleToStartTimeout(sticky ? Duration.ofSeconds(5) : Duration.ZERO)
            .setMaxConcurrentWorkflowTaskPollers(4)
            .build())
        .registerWorkflowImplementationTypes(INSTANT_SHARDS, CurationWorkflowImpl.class, ShardBatchWorkflowImpl.class);
    factory.start();
    return factory;
  }

  /** Every run's history: the curation workflow's chain of runs, and each batch child's chain. */
  private static Histories histories(WorkflowClient client, WorkflowExecution first) {
    Histories h = new Histories();
    Deque<WorkflowExecution> children = new ArrayDeque<>();
    for (WorkflowExecution run = first; run != null; ) {
      WorkflowExecutionHistory history = client.fetchHistory(run.getWorkflowId(), run.getRunId());
      h.toReplay.add(history);
      List<HistoryEvent> events = history.getEvents();
      h.parentRuns++;
      h.maxParentEvents = Math.max(h.maxParentEvents, events.size());
      int pending = 0;
      for (HistoryEvent e : events) {
        if (e.getEventType() == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED) {
          h.maxChildrenPending = Math.max(h.maxChildrenPending, ++pending);
        } else if (e.getEventType() == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED
            || e.getEventType() == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED) {
          pending--;
        } else if (e.getEventType() == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED) {
          children.add(e.getChildWorkflowExecutionStartedEventAttributes().getWorkflowExecution());
        } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
            && FakeCuration.PER_INDEX.contains(e.getActivityTaskScheduledEventAttributes().getActivityType().getName())) {
          h.perIndexInParent++;
        }
      }
      run = nextRun(run, events);
    }
    Set<String> batches = new HashSet<>();
    while (!children.isEmpty()) {
      for (WorkflowExecution run = children.poll(); run != null; ) {
        batches.add(run.getWorkflowId());
        WorkflowExecutionHistory history = client.fetchHistory(run.getWorkflowId(), run.getRunId());
        if (run.getWorkflowId().matches(".*-0-\\d+")) { // every run of each stage's first batch: "sim-curate-<stage>-0-<to>"
          h.toReplay.add(history);
        }
        List<HistoryEvent> events = history.getEvents();
        h.childRuns++;
        h.maxChildEvents = Math.max(h.maxChildEvents, events.size());
        int pending = 0;
        for (HistoryEvent e : events) {
          switch (e.getEventType()) {
            case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> h.maxActivitiesPending = Math.max(h.maxActivitiesPending, ++pending);
            case EVENT_TYPE_ACTIVITY_TASK_COMPLETED, EVENT_TYPE_ACTIVITY_TASK_FAILED, EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
                EVENT_TYPE_ACTIVITY_TASK_CANCELED -> pending--;
            default -> { }
          }
        }
        run = nextRun(run, events);
      }
    }
    DedupLayout layout = DedupLayout.of(SHARDS, SPEC.curation().rules());
    int batchesPerShardStage = SHARDS / SETTINGS.shardsPerBatch();
    int perBatch = SETTINGS.shardsPerBatch();
    int smallStageBatches = (layout.bandGroups() + perBatch - 1) / perBatch + (layout.partitions() + perBatch - 1) / perBatch;
    assertEquals(4 * batchesPerShardStage + smallStageBatches, batches.size(), "batch children");
    return h;
  }

  /** The run a run continued as new into, or null for the last. */
  private static WorkflowExecution nextRun(WorkflowExecution run, List<HistoryEvent> events) {
    HistoryEvent last = events.get(events.size() - 1);
    if (last.getEventType() != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW) {
      return null;
    }
    return WorkflowExecution.newBuilder().setWorkflowId(run.getWorkflowId())
        .setRunId(last.getWorkflowExecutionContinuedAsNewEventAttributes().getNewExecutionRunId()).build();
  }

  private static final class Histories {
    int parentRuns;
    int childRuns;
    int maxParentEvents;
    int maxChildEvents;
    int maxActivitiesPending;
    int maxChildrenPending;
    int perIndexInParent;
    final List<WorkflowExecutionHistory> toReplay = new ArrayList<>();
  }

  /**
   * Instant curation: each shard keeps 2 of 3 documents, and its result is kept as curateShard's stats file would be;
   * the summary reads them back by shard index, the filter keeps each shard's 2 and tokenizing makes 100 tokens a shard.
   * Counts executions per activity type and index, activities executing per workflow run, and the order in which
   * stages first began, noting in {@link #problems} a stage that began before every task of the one before had
   * completed.
   */
  private static final class FakeCuration implements CurationActivities {
    /** The activity types run once per shard, band group or partition. */
    static final Set<String> PER_INDEX = Set.of(
        "CurateShard", "WriteDedupKeys", "FindNearDuplicatePairs", "FindExactDuplicates", "FilterShard", "TokenizeShard");

    final Map<String, AtomicIntegerArray> executions = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> completedByType = new ConcurrentHashMap<>();
    final Map<Integer, ShardResult> stats = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> inFlightByRun = new ConcurrentHashMap<>();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final AtomicInteger total = new AtomicInteger();
    final CountDownLatch curateKill = new CountDownLatch(1);
    final CountDownLatch dedupKeysKill = new CountDownLatch(1);
    /** What went wrong inside the fakes, asserted empty at the end (a failed fake would only be retried). */
    final List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<String> stageOrder = new ArrayList<>();
    private final Map<String, Integer> expectedTasks = new ConcurrentHashMap<>();
    private final int curateKillAfter;
    private final int dedupKeysKillAfter;

    FakeCuration(int curateKillAfter, int dedupKeysKillAfter) {
      this.curateKillAfter = curateKillAfter;
      this.dedupKeysKillAfter = dedupKeysKillAfter;
    }

    AtomicIntegerArray executions(String type) {
      return executions.computeIfAbsent(type, t -> new AtomicIntegerArray(SHARDS));
    }

    int completed(String type) {
      return completedByType.computeIfAbsent(type, t -> new AtomicInteger()).get();
    }

    synchronized List<String> stageOrder() {
      return List.copyOf(stageOrder);
    }

    Map<String, Integer> executionsByType() {
      Map<String, Integer> counts = new java.util.TreeMap<>();
      executions.forEach((type, perIndex) -> {
        int sum = 0;
        for (int i = 0; i < perIndex.length(); i++) {
          sum += perIndex.get(i);
        }
        counts.put(type, sum);
      });
      return counts;
    }

    /**
     * Runs one task: records the stage's start (asserting every task of the stage before has completed), counts the
     * execution and the in-flight bound of its workflow run, and returns {@code result}.
     */
    private <T> T task(int index, int tasks, java.util.function.Supplier<T> result) {
      ActivityInfo info = Activity.getExecutionContext().getInfo();
      String type = info.getActivityType();
      synchronized (this) {
        if (!stageOrder.contains(type)) {
          if (!stageOrder.isEmpty()) {
            String before = stageOrder.get(stageOrder.size() - 1);
            if (completed(before) != expectedTasks.get(before)) {
              problems.add(type + " began when " + completed(before) + " of " + expectedTasks.get(before) + " " + before + " had finished");
            }
          }
          stageOrder.add(type);
          expectedTasks.put(type, tasks);
        }
      }
      AtomicInteger inFlight = inFlightByRun.computeIfAbsent(info.getWorkflowId() + "/" + info.getRunId(), k -> new AtomicInteger());
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      try {
        if (total.incrementAndGet() % 50_000 == 0) {
          System.out.printf("%,d activities, the last a %s%n", total.get(), type);
        }
        T value = result.get();
        if (executions(type).incrementAndGet(index) == 1) {
          int done = completedByType.computeIfAbsent(type, t -> new AtomicInteger()).incrementAndGet();
          if (type.equals("CurateShard") && done == curateKillAfter) {
            curateKill.countDown();
          } else if (type.equals("WriteDedupKeys") && done == dedupKeysKillAfter) {
            dedupKeysKill.countDown();
          }
        }
        return value;
      } finally {
        inFlight.decrementAndGet();
      }
    }

    @Override
    public ShardPlan planShards(PlanRequest request) {
      return task(0, 1, () -> new ShardPlan("runs/sim/curated/plan.json", SHARDS, SHARDS, SHARDS * 1_000_000_000L));
    }

    @Override
    public ShardResult curateShard(ShardRequest request) {
      return task(request.shard(), request.shards(), () -> {
        String prefix = String.format("runs/sim/curated/docs/shard-%05d", request.shard());
        ShardResult result = new ShardResult(request.shard(), prefix + ".jsonl.gz", prefix + ".minhash.bin", prefix + ".dropped.json", 2,
            List.of(new StepStats("decode", 3, 3, 300, 300, Map.of(), 1), new StepStats("gopherQuality", 3, 2, 300, 200, Map.of("gopher_short", 1L), 1)));
        stats.put(request.shard(), result);
        return result;
      });
    }

    @Override
    public long writeDedupKeys(GlobalStageRequest request) {
      return task(request.index(), request.layout().shards(), () -> 2L);
    }

    @Override
    public long findNearDuplicatePairs(GlobalStageRequest request) {
      return task(request.index(), request.layout().bandGroups(), () -> 0L);
    }

    @Override
    public long findExactDuplicates(GlobalStageRequest request) {
      return task(request.index(), request.layout().partitions(), () -> 0L);
    }

    @Override
    public long clusterDuplicates(GlobalStageRequest request) {
      return task(0, 1, () -> 0L);
    }

    @Override
    public long filterShard(GlobalStageRequest request) {
      return task(request.index(), request.layout().shards(), () -> stats.get(request.index()).documentsKept());
    }

    @Override
    public GlobalSummary summarizeGlobalStage(GlobalStageRequest request) {
      return task(0, 1, () -> {
        long kept = 0;
        for (int shard = 0; shard < request.layout().shards(); shard++) {
          ShardResult result = stats.get(shard);
          if (result == null) {
            problems.add("no stats of shard " + shard);
          } else {
            kept += result.documentsKept();
          }
        }
        return new GlobalSummary(3L * request.layout().shards(), kept, kept, 0, 100L * kept);
      });
    }

    @Override
    public String trainTokenizerOnSample(GlobalStageRequest request) {
      return task(0, 1, () -> "runs/sim/curated/tokenizer.json");
    }

    @Override
    public long tokenizeShard(GlobalStageRequest request) {
      if (!"runs/sim/curated/tokenizer.json".equals(request.tokenizerKey())) {
        problems.add("shard " + request.index() + " tokenized with " + request.tokenizerKey() + ", not the trained tokenizer");
      }
      return task(request.index(), request.layout().shards(), () -> 100L);
    }

    @Override
    public CurationResult mergeManifest(GlobalStageRequest request) {
      return task(0, 1, () -> {
        int shards = request.layout().shards();
        List<StepStats> funnel = List.of(
            stats.values().stream().map(s -> s.steps().get(0)).reduce(StepStats::plus).orElseThrow(),
            stats.values().stream().map(s -> s.steps().get(1)).reduce(StepStats::plus).orElseThrow());
        long tokens = 0;
        for (int shard = 0; shard < shards; shard++) {
          tokens += executions("TokenizeShard").get(shard) >= 1 ? 100 : 0;
        }
        return new CurationResult("runs/sim/curated/manifest.json", request.tokenizerKey(), "runs/sim/curated/stats.json",
            "runs/sim/curated/report.json", "runs/sim/curated/report.png", 4096, funnel.get(0).documentsIn(),
            funnel.get(0).tokensIn(), 2L * shards, funnel.get(1).tokensKept(), tokens, 0, funnel);
      });
    }

    @Override
    public CurationResult finalizeCurationFromStats(FinalizeShardsRequest request) {
      throw new AssertionError("a batched curation that started on this code runs the partitioned global stage");
    }

    @Override
    public CurationResult finalizeCuration(FinalizeRequest request) {
      throw new AssertionError("a 100,000-shard corpus is finalized by the partitioned global stage, not from a list of results");
    }

    @Override
    public RawSelection selectRaw(SelectRawRequest request) {
      throw new AssertionError("not a data.onlyNew run");
    }

    @Override
    public void recordConsumed(RecordConsumedRequest request) {
      throw new AssertionError("not a data.onlyNew run");
    }
  }
}
