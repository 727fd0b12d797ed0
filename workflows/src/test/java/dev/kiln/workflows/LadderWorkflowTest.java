package dev.kiln.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.workflows.curation.CurationActivities;
import dev.kiln.workflows.curation.CurationResult;
import dev.kiln.workflows.curation.CurationWorkflowImpl;
import dev.kiln.workflows.curation.FinalizeRequest;
import dev.kiln.workflows.curation.FinalizeShardsRequest;
import dev.kiln.workflows.curation.GlobalStageRequest;
import dev.kiln.workflows.curation.GlobalSummary;
import dev.kiln.workflows.curation.RawSelection;
import dev.kiln.workflows.curation.ShardPlan;
import dev.kiln.workflows.curation.ShardRequest;
import dev.kiln.workflows.curation.ShardResult;
import dev.kiln.workflows.curation.StepStats;
import dev.kiln.workflows.ladder.LadderActivities;
import dev.kiln.workflows.ladder.LadderPlan;
import dev.kiln.workflows.ladder.LadderReport;
import dev.kiln.workflows.ladder.LadderRung;
import dev.kiln.workflows.ladder.LadderSpec;
import dev.kiln.workflows.ladder.LadderSummary;
import dev.kiln.workflows.ladder.LadderWorkflow;
import dev.kiln.workflows.ladder.LadderWorkflowImpl;
import dev.kiln.workflows.ladder.RungResult;
import dev.kiln.workflows.scope.Architecture;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.scope.ScopePlan;
import dev.kiln.workflows.scope.ShapeLadder;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.SegmentRequest;
import dev.kiln.workflows.training.SegmentResult;
import dev.kiln.workflows.training.TrainingActivities;
import dev.kiln.workflows.training.TrainingWorkflowImpl;
import io.temporal.activity.Activity;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ladder's orchestration with fake activities: curation once, bounded rungs, a failed rung retried alone. */
class LadderWorkflowTest {
  private TestWorkflowEnvironment env;
  private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  private final List<SegmentRequest> segments = Collections.synchronizedList(new ArrayList<>());
  private final List<LadderActivities.RungRequest> measured = Collections.synchronizedList(new ArrayList<>());
  private final List<LadderActivities.LadderReportRequest> reports = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  /** Training workflows whose every segment diverges (NaN loss), so the workflow fails past its rollbacks. */
  private final Set<String> diverge = ConcurrentHashMap.newKeySet();
  /** Rungs whose measurement fails non-retryably. */
  private final Set<String> unmeasurable = ConcurrentHashMap.newKeySet();

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    KilnSearchAttributes.all().forEach(env::registerSearchAttribute);
    Worker cpu = env.newWorker(TaskQueues.CPU);
    cpu.registerWorkflowImplementationTypes(LadderWorkflowImpl.class, CurationWorkflowImpl.class, TrainingWorkflowImpl.class);
    cpu.registerActivitiesImplementations(new FakeCuration(), new FakeLadderCpu(), new InMemoryCheckpoints());
    env.newWorker(TaskQueues.GPU).registerActivitiesImplementations(new FakeTraining(), new FakeLadderGpu());
    env.start();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  private LadderSummary run(LadderSpec spec) {
    return env.getWorkflowClient().newWorkflowStub(LadderWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId("lad").setTaskQueue(TaskQueues.CPU).build()).run(spec);
  }

  private static LadderSpec grid() {
    return LadderSpec.isoFlop(TestSpecs.valid(), List.of(1e11, 3e11, 1e12), List.of(64, 96, 128));
  }

  @Test
  void curatesOnceTrainsEveryRungAndFitsOnce() {
    LadderSummary summary = run(grid());

    assertEquals(1, calls.stream().filter("plan shards"::equals).count(), "curation runs once for all rungs");
    assertEquals(1, calls.stream().filter("finalize"::equals).count(), "the global stage ends once");
    assertEquals(9, summary.rungs().size());
    assertEquals(9, measured.size());
    assertTrue(calls.indexOf("finalize") < calls.indexOf("train"), "curation finishes before any rung trains");
    assertEquals(1, reports.size());
    assertEquals(9, reports.get(0).rungKeys().size());
    assertTrue(reports.get(0).rungKeys().contains("ladders/lad/rungs/c1e11-d64.json"), reports.get(0).rungKeys().toString());
    assertEquals(List.of(), summary.failed());
    // every rung trains on the one curated manifest, each in its own training workflow and run id
    assertEquals(Set.of("runs/lad/curated/manifest.json"),
        segments.stream().map(s -> s.config().manifestKey()).collect(java.util.stream.Collectors.toSet()));
    assertEquals(9, segments.stream().map(SegmentRequest::runId).distinct().count());
    assertEquals("lad-c1e11-d64-train", summary.rungs().get(0).trainingWorkflowId());
  }

  @Test
  void trainsAtMostMaxConcurrentRungsAtOnce() {
    run(grid().withLimits(2, 3, 20));
    assertTrue(maxInFlight.get() <= 2, "at most 2 rungs train at once, saw " + maxInFlight.get());
    assertEquals(9, measured.size());
  }

  @Test
  void aFailedRungIsStartedAgainAloneAndTheOthersTrainOnce() {
    diverge.add("lad-c3e11-d96-train");
    LadderSummary summary = run(grid());

    RungResult retried = summary.rungs().stream().filter(r -> r.rung().equals("c3e11-d96")).findFirst().orElseThrow();
    assertEquals(2, retried.attempts());
    assertEquals("lad-c3e11-d96-a2-train", retried.trainingWorkflowId());
    for (RungResult r : summary.rungs()) {
      if (!r.rung().equals("c3e11-d96")) {
        assertEquals(1, r.attempts(), r.rung());
      }
    }
    // the other eight rungs each trained in one run id; the failed one in two
    Map<String, Long> byRun = segments.stream().collect(
        java.util.stream.Collectors.groupingBy(SegmentRequest::runId, java.util.stream.Collectors.counting()));
    assertEquals(10, byRun.size(), byRun.toString());
    assertEquals(1, calls.stream().filter("plan shards"::equals).count(), "the retry does not curate again");
  }

  @Test
  void aRungThatFailsEveryAttemptIsReportedAndTheFitUsesTheRest() {
    diverge.add("lad-c1e12-d128-train");
    diverge.add("lad-c1e12-d128-a2-train");
    LadderSummary summary = run(grid().withLimits(2, 2, 20));

    assertEquals(8, summary.rungs().size());
    assertEquals(1, summary.failed().size());
    assertTrue(summary.failed().get(0).startsWith("c1e12-d128: "), summary.failed().toString());
    assertEquals(8, reports.get(0).rungKeys().size());
  }

  @Test
  void aRungWhoseMeasurementCannotBeDoneIsLostAloneNotTheLadder() {
    unmeasurable.add("c1e11-d64");
    LadderSummary summary = run(grid());

    assertEquals(8, summary.rungs().size());
    assertEquals(1, summary.failed().size());
    assertTrue(summary.failed().get(0).startsWith("c1e11-d64: measuring its trained model failed: no held-out"),
        summary.failed().toString());
  }

  @Test
  void tooFewSizesAreRejectedBeforeAnythingRuns() {
    LadderSpec spec = LadderSpec.isoFlop(TestSpecs.valid(), List.of(1e11, 3e11), List.of(64, 96));
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> run(spec));
    String message = rootMessage(e);
    assertTrue(message.contains("ladder.sizes: has 2 size(s); the IsoFLOP fit (approach 2) needs at least 3"), message);
    assertEquals(List.of(), calls, "nothing ran");
  }

  @Test
  void tooFewPointsAndUnknownShapesAreRejected() {
    LadderSpec spec = LadderSpec.ofPoints(TestSpecs.valid(),
        List.of(new LadderSpec.Point(64, 100_000), new LadderSpec.Point(100, 200_000)));
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> run(spec));
    String message = rootMessage(e);
    assertTrue(message.contains("ladder.points: has 2 point(s)"), message);
    assertTrue(message.contains("ladder.points[1].size: is 100, not a shape the ladder can build"), message);
    assertEquals(List.of(), calls);
  }

  private static String rootMessage(Throwable e) {
    while (e.getCause() != null) {
      e = e.getCause();
    }
    return e.getMessage();
  }

  /** Rungs as the real planner makes them, with few steps. */
  static LadderPlan plan(LadderSpec spec) {
    List<LadderRung> rungs = new ArrayList<>();
    for (double budget : spec.budgets()) {
      for (int size : spec.sizes()) {
        ModelShape shape = ShapeLadder.shape(size, 4096, 128).orElseThrow();
        long n = shape.parameters();
        int steps = 40;
        long tokens = steps * 16L * 128;
        ScopePlan plan = new ScopePlan("generation", Architecture.DECODER, Objective.CLM, "why", shape, n, tokens,
            tokens * 20, steps, "ladder rung");
        rungs.add(new LadderRung(String.format("c%se%d-d%d", mantissa(budget), exponent(budget), size), budget,
            n - 4096L * size, n, tokens, 6.0 * n * tokens, plan));
      }
    }
    return new LadderPlan(rungs, "plan");
  }

  private static int exponent(double v) {
    return (int) Math.floor(Math.log10(v));
  }

  private static String mantissa(double v) {
    return String.valueOf(Math.round(v / Math.pow(10, exponent(v))));
  }

  private class FakeLadderCpu implements LadderActivities {
    @Override
    public LadderPlan plan(LadderSpec spec) {
      calls.add("plan ladder");
      return LadderWorkflowTest.plan(spec);
    }

    @Override
    public RungResult measureRung(RungRequest request) {
      throw new UnsupportedOperationException("measured on the gpu queue");
    }

    @Override
    public LadderReport fitAndReport(LadderReportRequest request) {
      calls.add("fit");
      reports.add(request);
      return new LadderReport("ladders/lad/report.json", "ladders/lad/report.txt", "ladders/lad/README.md",
          List.of(), request.rungKeys().size(), "fitted");
    }
  }

  private class FakeLadderGpu implements LadderActivities {
    @Override
    public LadderPlan plan(LadderSpec spec) {
      throw new UnsupportedOperationException("planned on the cpu queue");
    }

    @Override
    public RungResult measureRung(RungRequest r) {
      calls.add("measure " + r.rung().name());
      if (unmeasurable.contains(r.rung().name())) {
        throw io.temporal.failure.ApplicationFailure.newNonRetryableFailure("no held-out tokens", Failures.BAD_DATA);
      }
      measured.add(r);
      LadderRung rung = r.rung();
      return new RungResult(rung.name(), rung.budget(), rung.parameters(), rung.totalParameters(), rung.tokens(),
          rung.flops(), 3.0 + 1e5 / rung.parameters(), r.training().tokensPerSecond(), 1L << 30, 128,
          rung.plan().shape().dModel(), rung.plan().shape().layers(), rung.plan().shape().heads(),
          r.config().steps(), r.trainingWorkflowId(), r.attempts());
    }

    @Override
    public LadderReport fitAndReport(LadderReportRequest request) {
      throw new UnsupportedOperationException("fitted on the cpu queue");
    }
  }

  private class FakeTraining implements TrainingActivities {
    @Override
    public SegmentResult trainSegment(SegmentRequest request) {
      calls.add("train");
      segments.add(request);
      String workflowId = Activity.getExecutionContext().getInfo().getWorkflowId();
      if (diverge.contains(workflowId)) {
        return FakeTrainingSegments.stopped(request, 5, "anomaly", new dev.kiln.workflows.training.LossAnomaly(5,
            5 + 6L * request.generation(), Double.NaN, 3.0, "loss is NaN"));
      }
      int now = inFlight.incrementAndGet();
      maxInFlight.accumulateAndGet(now, Math::max);
      try {
        Thread.sleep(30);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        inFlight.decrementAndGet();
      }
      return FakeTrainingSegments.complete(request);
    }
  }

  private class FakeCuration implements CurationActivities {
    @Override
    public ShardPlan planShards(PlanRequest request) {
      calls.add("plan shards");
      return new ShardPlan("runs/lad/curated/plan.json", 2, 20L, 2000L);
    }

    @Override
    public RawSelection selectRaw(SelectRawRequest request) {
      throw new UnsupportedOperationException("a ladder curates all of its data");
    }

    @Override
    public void recordConsumed(RecordConsumedRequest request) {
      throw new UnsupportedOperationException("a ladder records nothing as consumed");
    }

    @Override
    public ShardResult curateShard(ShardRequest request) {
      StepStats stats = new StepStats("decode", 10, 1, 1000, 100, Map.of("x", 9L), 1);
      String docs = "runs/lad/curated/docs/" + request.shard();
      return new ShardResult(request.shard(), docs + ".jsonl.gz", docs + ".minhash.bin", docs + ".dropped.json", 1, List.of(stats));
    }

    @Override
    public long writeDedupKeys(GlobalStageRequest request) {
      return 1;
    }

    @Override
    public long findNearDuplicatePairs(GlobalStageRequest request) {
      return 0;
    }

    @Override
    public long findExactDuplicates(GlobalStageRequest request) {
      return 0;
    }

    @Override
    public long clusterDuplicates(GlobalStageRequest request) {
      return 0;
    }

    @Override
    public long filterShard(GlobalStageRequest request) {
      return 1;
    }

    @Override
    public GlobalSummary summarizeGlobalStage(GlobalStageRequest request) {
      int n = request.layout().shards();
      return new GlobalSummary(n * 10L, n, n, 0, n * 100L);
    }

    @Override
    public String trainTokenizerOnSample(GlobalStageRequest request) {
      return "runs/lad/curated/tokenizer.json";
    }

    @Override
    public long tokenizeShard(GlobalStageRequest request) {
      return 300;
    }

    /** The partitioned global stage's last step: what {@link #finalizeCuration} is on runs that started before it. */
    @Override
    public CurationResult mergeManifest(GlobalStageRequest request) {
      calls.add("finalize");
      int n = request.layout().shards();
      StepStats merged = new StepStats("decode", 10L * n, n, 1000L * n, 100L * n, Map.of("x", 9L * n), n);
      return new CurationResult("runs/lad/curated/manifest.json", request.tokenizerKey(),
          "runs/lad/curated/stats.json", "runs/lad/curated/report.json", "runs/lad/curated/report.png", 4000,
          merged.documentsIn(), merged.tokensIn(), merged.documentsKept(), merged.tokensKept(), 900, 100, List.of(merged));
    }

    @Override
    public CurationResult finalizeCurationFromStats(FinalizeShardsRequest request) {
      throw new AssertionError("a ladder's two shards take the direct path, not the batched one");
    }

    @Override
    public CurationResult finalizeCuration(FinalizeRequest request) {
      calls.add("finalize");
      StepStats merged = request.shards().stream().map(s -> s.steps().get(0)).reduce(StepStats::plus).orElseThrow();
      return new CurationResult("runs/lad/curated/manifest.json", "runs/lad/curated/tokenizer.json",
          "runs/lad/curated/stats.json", "runs/lad/curated/report.json", "runs/lad/curated/report.png", 4000,
          merged.documentsIn(), merged.tokensIn(), merged.documentsKept(), merged.tokensKept(), 900, 100, List.of(merged));
    }
  }
}
