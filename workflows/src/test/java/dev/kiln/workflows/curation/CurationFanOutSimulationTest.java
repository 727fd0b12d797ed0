package dev.kiln.workflows.curation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.workflows.TaskQueues;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Curation of a 100,000-shard corpus (a Common Crawl snapshot is ~90,000 WARC files) through the batched fan-out, on
 * Temporal's in-JVM test server with instant fake activities: every history stays far below Temporal's caps, no
 * workflow has more activities or batch children in flight than configured, and killing the workflow worker a quarter of the way in
 * (a new one takes over on the same task queue) loses no shard and counts none twice.
 *
 * <p>The settings are curation's own scaled so that everything that happens at scale happens here: batch children
 * of 1,000 shards continue as new every 100 shards (ten runs each) and the curation workflow continues as new every
 * 40 batches (three runs over the 100 batches).
 */
class CurationFanOutSimulationTest {
  /** 100,000; {@code -Dkiln.simulation.shards=N} (a multiple of 1,000 of at least 3,000) for a shorter run while working on it. */
  private static final int SHARDS = Integer.getInteger("kiln.simulation.shards", 100_000);
  private static final FanOutSettings SETTINGS = new FanOutSettings(256, 1_000, 8, 32, 100, 40);
  /** Temporal's cap is 51,200; this is the margin the batching is meant to keep. */
  private static final int MAX_EVENTS_PER_HISTORY = 10_000;
  private static final String WORKFLOW_ID = "sim-curate";

  /**
   * The fakes finish at once, so curateShard's heartbeat timeout (15 s, ActivityPolicies.DATA_WORK) only costs: the
   * in-JVM server fires one timer per activity, and each firing takes longer the more timers it has fired (a linked
   * list of time locks), which doubled the time per shard of a 100,000-shard run. Beyond the test's length it never
   * fires. Nothing else of the workflows' options changes, and no decision depends on it.
   */
  private static final WorkflowImplementationOptions INSTANT_SHARDS = WorkflowImplementationOptions.newBuilder()
      .setActivityOptions(Map.of("CurateShard", ActivityOptions.newBuilder().setHeartbeatTimeout(Duration.ofHours(2)).build()))
      .build();

  private TestWorkflowEnvironment env;
  private final FakeCuration activities = new FakeCuration(SHARDS / 4);

  @AfterEach
  void tearDown() {
    if (env != null) {
      env.close();
    }
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.MINUTES) // a guard against a hang, not an assertion on speed
  void curatesEveryShardOnceWithBoundedHistoriesAcrossAWorkflowWorkerKill() throws Exception {
    long start = System.nanoTime();
    // real time: nothing here waits on a timer, and skipped time would expire the activities' heartbeat timeouts
    env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    // activities on the environment's own worker, which lives through the test; workflows on a factory of their own,
    // the "workflow worker" that is killed
    env.newWorker(TaskQueues.CPU, WorkerOptions.newBuilder().setMaxConcurrentActivityExecutionSize(200)
            .setMaxConcurrentActivityTaskPollers(8).build())
        .registerActivitiesImplementations(activities);
    env.start();
    WorkerFactory first = startWorkflowWorker(false);

    WorkflowClient client = env.getWorkflowClient();
    CurationWorkflow curation = client.newWorkflowStub(
        CurationWorkflow.class, WorkflowOptions.newBuilder().setWorkflowId(WORKFLOW_ID).setTaskQueue(TaskQueues.CPU).build());
    // no spec: the fakes read none, and 100,000 copies of one would only slow the in-JVM server down
    WorkflowExecution execution = WorkflowClient.start(curation::curate, new CurationRequest("sim", null, null, null, SETTINGS, null));

    activities.killPoint.await();
    CurationWorkflow.CurationProgress midway = curation.progress();
    first.shutdownNow();
    first.awaitTermination(1, TimeUnit.MINUTES);
    int doneAtKill = activities.completed.get();
    startWorkflowWorker(true);

    CurationResult result = WorkflowStub.fromTyped(curation).getResult(CurationResult.class);
    long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();

    assertTrue(doneAtKill < SHARDS, "the worker was killed part-way, after " + doneAtKill + " shards");
    assertTrue(midway.shardsDone() < SHARDS, "progress before the end: " + midway);
    // every shard's activity ran, and the workflows counted each shard exactly once
    for (int shard = 0; shard < SHARDS; shard++) {
      assertTrue(activities.executions.get(shard) >= 1, "shard " + shard + " never ran");
    }
    assertEquals(new CurationWorkflow.CurationProgress(SHARDS, SHARDS, "done"), curation.progress());
    assertEquals(3L * SHARDS, result.rawDocuments(), "the finalize step read every shard's stats");
    assertEquals(2L * SHARDS, result.keptDocuments());

    Histories histories = histories(client, execution);
    System.out.printf("%,d shards in %,d ms; %d curation runs, %d batch runs; max events per history: curation %,d,"
            + " batch %,d; max activities in flight per run %d (history) / %d (executing); max batches in flight %d;"
            + " activity executions %,d; %,d shards done when the worker was killed%n",
        SHARDS, millis, histories.parentRuns, histories.childRuns, histories.maxParentEvents, histories.maxChildEvents,
        histories.maxActivitiesPending, activities.maxInFlight.get(), histories.maxChildrenPending,
        activities.total.get(), doneAtKill);
    assertTrue(histories.parentRuns >= 3, "the curation workflow continued as new: " + histories.parentRuns + " runs");
    assertTrue(histories.childRuns >= 10 * SHARDS / SETTINGS.shardsPerBatch(), "batches continued as new: " + histories.childRuns);
    assertTrue(histories.maxParentEvents < MAX_EVENTS_PER_HISTORY, "curation history of " + histories.maxParentEvents + " events");
    assertTrue(histories.maxChildEvents < MAX_EVENTS_PER_HISTORY, "batch history of " + histories.maxChildEvents + " events");
    assertTrue(histories.maxActivitiesPending <= SETTINGS.shardsInFlightPerBatch(), "activities pending: " + histories.maxActivitiesPending);
    assertTrue(activities.maxInFlight.get() <= SETTINGS.shardsInFlightPerBatch(), "activities executing: " + activities.maxInFlight);
    assertTrue(histories.maxChildrenPending <= SETTINGS.batchesInFlight(), "batches in flight: " + histories.maxChildrenPending);
    assertEquals(0, histories.curateShardsInParent, "no shard activity in the curation workflow's own history");
    // the batched code replays its own histories: every run of the curation workflow, and every run of one batch
    try (TestWorkflowEnvironment replay = TestWorkflowEnvironment.newInstance()) {
      Worker worker = replay.newWorker("replay", WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(60_000).build());
      worker.registerWorkflowImplementationTypes(CurationWorkflowImpl.class, ShardBatchWorkflowImpl.class);
      for (WorkflowExecutionHistory history : histories.toReplay) {
        WorkflowReplayer.replayWorkflowExecution(history, worker);
      }
    }
  }

  /**
   * A workflow worker of its own factory. The in-JVM test server never moves a workflow task off a dead worker's sticky
   * queue (a real server does after the sticky schedule-to-start timeout; the test server implements neither that nor
   * ShutdownWorker), so the worker that is killed does not ask for sticky tasks: each of its workflow tasks carries the
   * whole history and is replayed, which is what the worker that takes over does anyway.
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
            && e.getActivityTaskScheduledEventAttributes().getActivityType().getName().equals("CurateShard")) {
          h.curateShardsInParent++;
        }
      }
      run = nextRun(run, events);
    }
    Set<String> batches = new HashSet<>();
    while (!children.isEmpty()) {
      for (WorkflowExecution run = children.poll(); run != null; ) {
        batches.add(run.getWorkflowId());
        WorkflowExecutionHistory history = client.fetchHistory(run.getWorkflowId(), run.getRunId());
        if (batches.size() == 1) {
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
    assertEquals(SHARDS / SETTINGS.shardsPerBatch(), batches.size(), "batch children");
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
    int curateShardsInParent;
    final List<WorkflowExecutionHistory> toReplay = new ArrayList<>();
  }

  /**
   * Instant curation: each shard keeps 2 of 3 documents, and its result is kept as curateShard's stats file would be;
   * finalizing reads them back by shard index. Counts executions per shard and activities executing per workflow run.
   */
  private static final class FakeCuration implements CurationActivities {
    final AtomicIntegerArray executions = new AtomicIntegerArray(SHARDS);
    final Map<Integer, ShardResult> stats = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> inFlightByRun = new ConcurrentHashMap<>();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final AtomicInteger completed = new AtomicInteger();
    final AtomicInteger total = new AtomicInteger();
    final CountDownLatch killPoint = new CountDownLatch(1);
    private final int killAfter;

    FakeCuration(int killAfter) {
      this.killAfter = killAfter;
    }

    @Override
    public ShardPlan planShards(PlanRequest request) {
      return new ShardPlan("runs/sim/curated/plan.json", SHARDS, SHARDS, SHARDS * 1_000_000_000L);
    }

    @Override
    public ShardResult curateShard(ShardRequest request) {
      ActivityInfo info = Activity.getExecutionContext().getInfo();
      AtomicInteger inFlight = inFlightByRun.computeIfAbsent(info.getWorkflowId() + "/" + info.getRunId(), k -> new AtomicInteger());
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      try {
        total.incrementAndGet();
        String prefix = String.format("runs/sim/curated/docs/shard-%05d", request.shard());
        ShardResult result = new ShardResult(request.shard(), prefix + ".jsonl.gz", prefix + ".minhash.bin", prefix + ".dropped.json", 2,
            List.of(new StepStats("decode", 3, 3, 300, 300, Map.of(), 1), new StepStats("gopherQuality", 3, 2, 300, 200, Map.of("gopher_short", 1L), 1)));
        stats.put(request.shard(), result);
        if (executions.incrementAndGet(request.shard()) == 1 && completed.incrementAndGet() == killAfter) {
          killPoint.countDown();
        }
        return result;
      } finally {
        inFlight.decrementAndGet();
      }
    }

    @Override
    public CurationResult finalizeCurationFromStats(FinalizeShardsRequest request) {
      List<ShardResult> shards = new ArrayList<>(request.shards());
      for (int shard = 0; shard < request.shards(); shard++) {
        ShardResult result = stats.get(shard);
        assertTrue(result != null, "no stats of shard " + shard);
        shards.add(result);
      }
      List<StepStats> funnel = List.of(
          shards.stream().map(s -> s.steps().get(0)).reduce(StepStats::plus).orElseThrow(),
          shards.stream().map(s -> s.steps().get(1)).reduce(StepStats::plus).orElseThrow());
      long kept = shards.stream().mapToLong(ShardResult::documentsKept).sum();
      return new CurationResult("runs/sim/curated/manifest.json", "runs/sim/curated/tokenizer.json", "runs/sim/curated/stats.json",
          "runs/sim/curated/report.json", "runs/sim/curated/report.png", 4096, funnel.get(0).documentsIn(), funnel.get(0).tokensIn(),
          kept, funnel.get(1).tokensKept(), 0, 0, funnel);
    }

    // the partitioned global stage is not batched yet: a batched run finalizes from the stats files (see above)
    @Override
    public long writeDedupKeys(GlobalStageRequest request) {
      throw new AssertionError("the batched path does not run the partitioned global stage yet");
    }

    @Override
    public long findNearDuplicatePairs(GlobalStageRequest request) {
      throw new AssertionError("the batched path does not run the partitioned global stage yet");
    }

    @Override
    public long findExactDuplicates(GlobalStageRequest request) {
      throw new AssertionError("the batched path does not run the partitioned global stage yet");
    }

    @Override
    public long clusterDuplicates(GlobalStageRequest request) {
      throw new AssertionError("the batched path does not run the partitioned global stage yet");
    }

    @Override
    public long filterShard(GlobalStageRequest request) {
      throw new AssertionError("the batched path does not run the partitioned global stage yet");
    }

    @Override
    public GlobalSummary summarizeGlobalStage(GlobalStageRequest request) {
      throw new AssertionError("the batched path does not run the partitioned global stage yet");
    }

    @Override
    public String trainTokenizerOnSample(GlobalStageRequest request) {
      throw new AssertionError("the batched path does not run the partitioned global stage yet");
    }

    @Override
    public long tokenizeShard(GlobalStageRequest request) {
      throw new AssertionError("the batched path does not run the partitioned global stage yet");
    }

    @Override
    public CurationResult mergeManifest(GlobalStageRequest request) {
      throw new AssertionError("the batched path does not run the partitioned global stage yet");
    }

    @Override
    public CurationResult finalizeCuration(FinalizeRequest request) {
      throw new AssertionError("a 100,000-shard corpus is finalized from its stats files, not from a list of results");
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
