package dev.kiln.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.workflows.curation.CurationActivities;
import dev.kiln.workflows.curation.CurationResult;
import dev.kiln.workflows.curation.CurationWorkflowImpl;
import dev.kiln.workflows.curation.FinalizeRequest;
import dev.kiln.workflows.curation.GlobalStageRequest;
import dev.kiln.workflows.curation.GlobalSummary;
import dev.kiln.workflows.curation.FinalizeShardsRequest;
import dev.kiln.workflows.curation.RawSelection;
import dev.kiln.workflows.curation.ShardPlan;
import dev.kiln.workflows.curation.ShardRequest;
import dev.kiln.workflows.curation.ShardResult;
import dev.kiln.workflows.curation.StepStats;
import dev.kiln.workflows.evaluation.EvaluationActivities;
import dev.kiln.workflows.evaluation.EvaluationRequest;
import dev.kiln.workflows.evaluation.EvaluationResult;
import dev.kiln.workflows.hub.ModelHubActivities;
import dev.kiln.workflows.hub.ModelSelection;
import dev.kiln.workflows.hub.SelectModelRequest;
import dev.kiln.workflows.pretraining.PretrainingWorkflow;
import dev.kiln.workflows.pretraining.PretrainingWorkflowImpl;
import dev.kiln.workflows.pretraining.RunSummary;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.scope.ScopeActivities;
import dev.kiln.workflows.scope.ScopePlan;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.CheckpointRef;
import dev.kiln.workflows.training.DeviceActivities;
import dev.kiln.workflows.training.DeviceSpec;
import dev.kiln.workflows.training.SegmentRequest;
import dev.kiln.workflows.training.SegmentResult;
import dev.kiln.workflows.training.TrainingActivities;
import dev.kiln.workflows.training.TrainingWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The life cycle's orchestration with activities replaced by small fakes that record their calls. */
class PretrainingWorkflowTest {
  private static final ModelShape SHAPE = new ModelShape(4096, 128, 64, 2, 2);

  private TestWorkflowEnvironment env;
  private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  private final List<SegmentRequest> segments = Collections.synchronizedList(new ArrayList<>());
  private final List<EvaluationRequest> evaluations = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger shardsInFlight = new AtomicInteger();
  private final AtomicInteger maxShardsInFlight = new AtomicInteger();
  private Objective objective = Objective.CLM;
  private int shards = 3;
  /** The shard whose filterShard fails non-retryably, or -1. */
  private int failingFilterShard = -1;

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    KilnSearchAttributes.all().forEach(env::registerSearchAttribute);
    Worker cpu = env.newWorker(TaskQueues.CPU);
    cpu.registerWorkflowImplementationTypes(PretrainingWorkflowImpl.class, CurationWorkflowImpl.class, TrainingWorkflowImpl.class);
    cpu.registerActivitiesImplementations(new FakeScope(), new FakeHub(), new FakeCuration(), new FakeEvaluation(),
        new InMemoryCheckpoints());
    env.newWorker(TaskQueues.GPU).registerActivitiesImplementations(new FakeTraining(), new FakeDevices());
    env.start();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  private RunSummary run(RunSpec spec) {
    WorkflowClient client = env.getWorkflowClient();
    PretrainingWorkflow wf = client.newWorkflowStub(
        PretrainingWorkflow.class, WorkflowOptions.newBuilder().setWorkflowId("run-1").setTaskQueue(TaskQueues.CPU).build());
    return wf.run(spec);
  }

  @Test
  void runsTheStagesInOrderAndTrainsInSegments() {
    RunSummary summary = run(TestSpecs.valid());

    assertEquals("scope", calls.get(0));
    assertEquals("select", calls.get(1));
    assertEquals("plan", calls.get(2));
    assertEquals("evaluate", calls.get(calls.size() - 1));
    assertTrue(calls.indexOf("merge manifest") < calls.indexOf("train"), "curation finishes before training");
    // 120 steps in segments of 50: 0-50, 50-100, 100-120, each resuming from the previous segment's checkpoint
    assertEquals(List.of(50, 100, 120), segments.stream().map(SegmentRequest::endStep).toList());
    assertEquals(null, segments.get(0).resumeFrom());
    assertEquals(50, segments.get(1).resumeFrom().step());
    assertEquals(100, segments.get(2).resumeFrom().step());
    assertEquals(120, summary.training().finalCheckpoint().step());
    assertEquals(SHAPE.withVocabSize(4000).parameters(), summary.training().parameters());
    assertEquals(java.util.Set.of("scope", "select-model", "curate", "pretrain", "evaluate"), summary.stageMillis().keySet());
  }

  @Test
  void theDecoderComparisonRunsOnlyWhenTheSpecOptsIn() {
    run(TestSpecs.valid());
    assertEquals(Boolean.FALSE, evaluations.get(0).compareWithDecoder(), "left out of the spec: off");
    env.getWorkflowClient().newWorkflowStub(PretrainingWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId("run-2").setTaskQueue(TaskQueues.CPU).build())
        .run(TestSpecs.comparingWithDecoder(TestSpecs.withTask(TestSpecs.valid(), "classification"), true));
    assertEquals(Boolean.TRUE, evaluations.get(1).compareWithDecoder());
  }

  @Test
  void theRunIsFindableByStageArchitectureAndLoss() {
    run(TestSpecs.valid());
    var attributes = env.getWorkflowClient().newUntypedWorkflowStub("run-1").describe().getTypedSearchAttributes();
    assertEquals("done", attributes.get(KilnSearchAttributes.STAGE));
    assertEquals("decoder", attributes.get(KilnSearchAttributes.ARCHITECTURE));
    assertEquals("clm", attributes.get(KilnSearchAttributes.OBJECTIVE));
    assertEquals(120L, attributes.get(KilnSearchAttributes.STEP));
    assertEquals(5.0 - 120 / 100.0, attributes.get(KilnSearchAttributes.LOSS), 1e-9);
  }

  @Test
  void everyActivityOfTheRunAndItsCurationCarriesASummaryForTheTimeline() {
    shards = 3;
    run(TestSpecs.valid());
    assertEquals(List.of("scope: generation, 1.0E13 FLOPs", "select model (auto, decoder/clm)", "evaluate clm and publish to the hub"),
        scheduledSummaries("run-1"));
    List<String> curation = scheduledSummaries("run-1-curate");
    assertEquals(List.of("plan shards", "curate shard 1/3", "curate shard 2/3", "curate shard 3/3", "dedup keys 1/3"),
        curation.subList(0, 5));
    assertEquals(List.of("summarize and report", "train tokenizer on a sample of 3 training documents", "tokenize 1/3",
        "tokenize 2/3", "tokenize 3/3", "merge manifest of 3 shards"), curation.subList(curation.size() - 6, curation.size()));
  }

  /** The summary (user metadata) of every ActivityTaskScheduled event in a workflow's history, in order. */
  private List<String> scheduledSummaries(String workflowId) {
    return env.getWorkflowClient().fetchHistory(workflowId).getEvents().stream()
        .filter(io.temporal.api.history.v1.HistoryEvent::hasActivityTaskScheduledEventAttributes)
        .map(e -> io.temporal.common.converter.DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
            e.getUserMetadata().getSummary(), String.class, String.class))
        .toList();
  }

  @Test
  void trainingUsesTheVocabularyCurationProduced() {
    run(TestSpecs.valid());
    assertEquals(4000, segments.get(0).config().shape().vocabSize());
    assertEquals("runs/run-1/curated/manifest.json", segments.get(0).config().manifestKey());
  }

  @Test
  void curationFansOutEveryShardWithBoundedParallelism() {
    shards = 20;
    RunSummary summary = run(TestSpecs.valid());
    assertEquals(20, calls.stream().filter(c -> c.startsWith("shard ")).count());
    assertTrue(maxShardsInFlight.get() <= 8, "at most 8 shards at once, saw " + maxShardsInFlight.get());
    assertEquals(20, summary.curation().keptDocuments());
  }

  @Test
  void aNewRunDedupsTokenizesAndPacksInPartitionedStagesInOrder() {
    shards = 3;
    run(TestSpecs.valid());
    List<String> global = calls.stream().filter(c -> !c.startsWith("shard ")).toList();
    int bands = TestSpecs.valid().curation().rules().nearDedup().bands();
    List<String> expected = new ArrayList<>(List.of("keys 0", "keys 1", "keys 2"));
    for (int band = 0; band < bands; band++) {
      expected.add("bucket " + band);
    }
    expected.addAll(List.of("partition 0", "cluster", "filter 0", "filter 1", "filter 2", "summarize", "tokenizer"));
    for (int shard = 0; shard < 3; shard++) {
      expected.add("tokenize " + shard + " with runs/run-1/curated/tokenizer.json");
    }
    expected.add("merge manifest");
    int from = global.indexOf(global.stream().filter(c -> c.startsWith("keys ")).findFirst().orElseThrow());
    List<String> stage = new ArrayList<>(global.subList(from, from + expected.size()));
    // within a stage the tasks run in parallel, so they may finish in any order; the stages follow each other
    for (String[] sameStage : new String[][] {{"keys "}, {"bucket "}, {"filter "}, {"tokenize "}}) {
      assertEquals(sorted(expected, sameStage[0]), sorted(stage, sameStage[0]));
    }
    assertEquals(stageOrder(expected), stageOrder(stage));
    assertFalse(calls.contains("finalize"), "a new run never calls the single-process finalizeCuration");
  }

  @Test
  void aGlobalStageTaskThatFailsFailsTheRunBeforeTheNextStage() {
    shards = 12;
    failingFilterShard = 5;
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> run(TestSpecs.valid()));
    Throwable cause = e;
    while (cause != null && !(cause instanceof ApplicationFailure)) {
      cause = cause.getCause();
    }
    ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, cause, "the task's failure is the run's cause");
    assertEquals("shard 5 is broken", failure.getOriginalMessage());
    assertEquals(Failures.BAD_DATA, failure.getType());
    assertFalse(calls.contains("summarize"), "no stage after the failed one: " + calls);
    assertFalse(calls.contains("train"), calls.toString());
  }

  private static List<String> sorted(List<String> calls, String prefix) {
    return calls.stream().filter(c -> c.startsWith(prefix)).sorted().toList();
  }

  /** Each call's stage (its first word), with consecutive repeats collapsed. */
  private static List<String> stageOrder(List<String> calls) {
    List<String> stages = new ArrayList<>();
    for (String call : calls) {
      String stage = call.split(" ")[0];
      if (stages.isEmpty() || !stages.get(stages.size() - 1).equals(stage)) {
        stages.add(stage);
      }
    }
    return stages;
  }

  @Test
  void everyObjectiveTrainsWithItsReservedTokensAppendedToTheVocabulary() {
    objective = Objective.MLM;
    run(TestSpecs.withTask(TestSpecs.valid(), "classification"));
    assertEquals(Objective.MLM, segments.get(0).config().objective());
    assertEquals(4001, segments.get(0).config().shape().vocabSize(), "the tokenizer's 4000 ids and [MASK]");
    assertTrue(calls.contains("evaluate"), calls.toString());
  }

  @Test
  void anInvalidSpecFailsInsideTheWorkflowWithoutRetry() {
    RunSpec bad = TestSpecs.withTraining(TestSpecs.valid(), TestSpecs.training(0, 100, 2, 3));
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> run(bad));
    ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
    assertEquals(Failures.INVALID_RUN_SPEC, failure.getType());
    assertTrue(failure.getOriginalMessage().contains("training.heads"), failure.getOriginalMessage());
    assertTrue(calls.isEmpty());
  }

  /** How many GPUs the fake gpu-queue worker has. */
  private int workerGpus;

  @Test
  void aGpuTheGpuWorkerLacksFailsTheRunBeforeAnyCurationWithoutRetry() {
    workerGpus = 1;
    RunSpec spec = TestSpecs.withDevice(TestSpecs.valid(), "gpu:1");
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> run(spec));
    ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
    assertEquals(Failures.INVALID_RUN_SPEC, failure.getType());
    assertTrue(failure.isNonRetryable());
    assertEquals(FakeDevices.message("gpu:1", 1), failure.getOriginalMessage());
    assertEquals(List.of("device gpu:1"), calls, "asked once, first; no scope, curation or training after it");
    assertEquals(List.of("check training.device gpu:1 on a gpu-queue worker"), scheduledSummaries("run-1"));
    assertThrows(RuntimeException.class, () -> env.getWorkflowClient().newUntypedWorkflowStub("run-1-curate").describe(),
        "the curation child was never started");
  }

  @Test
  void aGpuTheWorkerHasIsCheckedBeforeCurationAndTheRunGoesOn() {
    workerGpus = 2;
    RunSummary summary = run(TestSpecs.withDevice(TestSpecs.valid(), "gpu:0,1"));
    assertEquals("device gpu:0,1", calls.get(0));
    assertTrue(calls.indexOf("device gpu:0,1") < calls.indexOf("plan"), calls.toString());
    assertEquals(120, summary.training().finalCheckpoint().step());
  }

  @Test
  void aCpuRunDoesNotAskTheGpuWorker() {
    run(TestSpecs.valid());
    assertTrue(calls.stream().noneMatch(c -> c.startsWith("device")), calls.toString());
  }

  @Test
  void theGpuDeviceCheckWaitsForAGpuWorkerOnlyBoundedlyAndThenSaysHowToStartOne() {
    workerGpus = 1;
    run(TestSpecs.withDevice(TestSpecs.valid(), "gpu"));
    var scheduled = env.getWorkflowClient().fetchHistory("run-1").getEvents().stream()
        .filter(io.temporal.api.history.v1.HistoryEvent::hasActivityTaskScheduledEventAttributes)
        .map(io.temporal.api.history.v1.HistoryEvent::getActivityTaskScheduledEventAttributes)
        .filter(a -> a.getActivityType().getName().equals("CheckDevice"))
        .findFirst().orElseThrow();
    assertEquals(TaskQueues.GPU, scheduled.getTaskQueue().getName());
    assertEquals(ActivityPolicies.GPU_WORKER_WAIT.toSeconds(), scheduled.getScheduleToStartTimeout().getSeconds());
    // (the test server does not skip time while a task waits in a queue nobody polls: the timeout's own path is
    // covered by the failure it raises)
    ApplicationFailure failure = PretrainingWorkflowImpl.noGpuWorker("gpu");
    assertEquals(Failures.NO_WORKER, failure.getType());
    assertTrue(failure.isNonRetryable());
    assertTrue(failure.getOriginalMessage().contains("no worker polled the gpu task queue within 10 minutes")
        && failure.getOriginalMessage().contains("`kiln worker --queues gpu`")
        && failure.getOriginalMessage().contains("set training.device to cpu"), failure.getOriginalMessage());
  }

  private RawSelection rawSelection;
  private boolean evaluationFails;
  private final List<String> planSelections = Collections.synchronizedList(new ArrayList<>());

  @Test
  void anOnlyNewRunWithNothingNewEndsAsSkippedNotFailed() {
    rawSelection = new RawSelection(null, 0, 0, 0, 24, 2);
    RunSummary summary = run(TestSpecs.onlyNew(TestSpecs.valid(), null));
    assertTrue(summary.isSkipped());
    assertTrue(summary.skipped().contains("no new raw data: all 24 raw objects") && summary.skipped().contains("2 earlier run(s) of tiny-gpt"),
        summary.skipped());
    assertEquals(List.of("select-raw"), calls, "nothing after the selection: no scope, curation, training or record");
    var attributes = env.getWorkflowClient().newUntypedWorkflowStub("run-1").describe().getTypedSearchAttributes();
    assertEquals("skipped", attributes.get(KilnSearchAttributes.STAGE));
  }

  @Test
  void anOnlyNewRunCuratesItsSelectionAndRecordsItAsConsumedOnceComplete() {
    rawSelection = new RawSelection("runs/run-1/raw-selection.json", 3, 3000, 3, 21, 1);
    RunSummary summary = run(TestSpecs.onlyNew(TestSpecs.valid(), null));
    assertEquals(List.of("runs/run-1/raw-selection.json"), planSelections, "curation plans from the selection");
    assertEquals("select-raw", calls.get(0));
    assertEquals("consumed tiny-gpt runs/run-1/raw-selection.json", calls.get(calls.size() - 1), "recorded last, after evaluate");
    assertEquals(rawSelection, summary.raw());
  }

  @Test
  void aFailedOnlyNewRunConsumesNothing() {
    rawSelection = new RawSelection("runs/run-1/raw-selection.json", 3, 3000, 3, 21, 1);
    evaluationFails = true;
    assertThrows(WorkflowFailedException.class, () -> run(TestSpecs.onlyNew(TestSpecs.valid(), null)));
    assertTrue(calls.contains("evaluate"));
    assertTrue(calls.stream().noneMatch(c -> c.startsWith("consumed")), calls.toString());
  }

  @Test
  void aRunWithoutOnlyNewNeitherSelectsNorRecords() {
    run(TestSpecs.valid());
    assertTrue(calls.stream().noneMatch(c -> c.startsWith("consumed") || c.equals("select-raw")), calls.toString());
    assertEquals(java.util.Arrays.asList((String) null), planSelections);
  }

  private class FakeScope implements ScopeActivities {
    @Override
    public ScopePlan scope(RunSpec spec) {
      calls.add("scope");
      return new ScopePlan(spec.useCase().task(), objective.architecture(), objective, "why",
          SHAPE, SHAPE.parameters(), 120L * 2048, 120L * 2048 * 20, 120, "sizing");
    }
  }

  private class FakeHub implements ModelHubActivities {
    @Override
    public ModelSelection selectModel(SelectModelRequest request) {
      calls.add("select");
      return new ModelSelection("scratch", null, "train from scratch: empty hub", null, null, null);
    }
  }

  private class FakeCuration implements CurationActivities {
    @Override
    public ShardPlan planShards(PlanRequest request) {
      calls.add("plan");
      planSelections.add(request.rawSelectionKey());
      return new ShardPlan("runs/run-1/curated/plan.json", shards, shards * 10L, shards * 1000L);
    }

    @Override
    public RawSelection selectRaw(SelectRawRequest request) {
      calls.add("select-raw");
      assertEquals(request.spec().name(), request.lineage());
      return rawSelection;
    }

    @Override
    public void recordConsumed(RecordConsumedRequest request) {
      calls.add("consumed " + request.lineage() + " " + request.rawSelectionKey());
    }

    @Override
    public ShardResult curateShard(ShardRequest request) {
      int now = shardsInFlight.incrementAndGet();
      maxShardsInFlight.accumulateAndGet(now, Math::max);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      shardsInFlight.decrementAndGet();
      calls.add("shard " + request.shard());
      StepStats stats = new StepStats("decode", 10, 1, 1000, 100, Map.of("x", 9L), 1);
      String docs = "runs/run-1/curated/docs/" + request.shard();
      return new ShardResult(request.shard(), docs + ".jsonl.gz", docs + ".minhash.bin", docs + ".dropped.json", 1, List.of(stats));
    }

    @Override
    public long writeDedupKeys(GlobalStageRequest request) {
      calls.add("keys " + request.index());
      return 1;
    }

    @Override
    public long findNearDuplicatePairs(GlobalStageRequest request) {
      calls.add("bucket " + request.index());
      return 0;
    }

    @Override
    public long findExactDuplicates(GlobalStageRequest request) {
      calls.add("partition " + request.index());
      return 0;
    }

    @Override
    public long clusterDuplicates(GlobalStageRequest request) {
      calls.add("cluster");
      return 0;
    }

    @Override
    public long filterShard(GlobalStageRequest request) {
      if (request.index() == failingFilterShard) {
        throw ApplicationFailure.newNonRetryableFailure("shard " + request.index() + " is broken", Failures.BAD_DATA);
      }
      calls.add("filter " + request.index());
      return 1;
    }

    @Override
    public GlobalSummary summarizeGlobalStage(GlobalStageRequest request) {
      calls.add("summarize");
      int n = request.layout().shards();
      return new GlobalSummary(n * 10L, n, n, 0, n * 100L);
    }

    @Override
    public String trainTokenizerOnSample(GlobalStageRequest request) {
      calls.add("tokenizer");
      return "runs/run-1/curated/tokenizer.json";
    }

    @Override
    public long tokenizeShard(GlobalStageRequest request) {
      calls.add("tokenize " + request.index() + " with " + request.tokenizerKey());
      return 300;
    }

    @Override
    public CurationResult mergeManifest(GlobalStageRequest request) {
      calls.add("merge manifest");
      int n = request.layout().shards();
      StepStats merged = new StepStats("decode", 10L * n, n, 1000L * n, 100L * n, Map.of("x", 9L * n), n);
      return new CurationResult("runs/run-1/curated/manifest.json", request.tokenizerKey(),
          "runs/run-1/curated/stats.json", "runs/run-1/curated/report.json", "runs/run-1/curated/report.png", 4000,
          merged.documentsIn(), merged.tokensIn(), merged.documentsKept(), merged.tokensKept(), 900, 100, List.of(merged));
    }

    @Override
    public CurationResult finalizeCuration(FinalizeRequest request) {
      calls.add("finalize");
      assertEquals(request.shards().stream().map(ShardResult::shard).sorted().toList(),
          request.shards().stream().map(ShardResult::shard).toList(), "shards arrive in order");
      StepStats merged = request.shards().stream().map(s -> s.steps().get(0)).reduce(StepStats::plus).orElseThrow();
      return new CurationResult("runs/run-1/curated/manifest.json", "runs/run-1/curated/tokenizer.json",
          "runs/run-1/curated/stats.json", "runs/run-1/curated/report.json", "runs/run-1/curated/report.png", 4000, merged.documentsIn(), merged.tokensIn(), merged.documentsKept(),
          merged.tokensKept(), 900, 100, List.of(merged));
    }

    @Override
    public CurationResult finalizeCurationFromStats(FinalizeShardsRequest request) {
      throw new AssertionError(shards + " shards curate directly, never in batches (see CurationFanOutSimulationTest)");
    }
  }

  private class FakeTraining implements TrainingActivities {
    @Override
    public SegmentResult trainSegment(SegmentRequest request) {
      calls.add("train");
      segments.add(request);
      return FakeTrainingSegments.complete(request);
    }
  }

  private class FakeDevices implements DeviceActivities {
    /** What the real check (Devices.resolve, in activities/) says for a GPU beyond the worker's. */
    static String message(String device, int gpus) {
      return "training.device is '" + device + "' but this worker sees " + gpus + " GPU(s), numbered 0.." + (gpus - 1)
          + ". Fix: set training.device to cpu, or run the gpu queue's worker on a machine with enough GPUs";
    }

    @Override
    public DeviceReport checkDevice(String device) {
      calls.add("device " + device);
      List<Integer> indices = DeviceSpec.gpuIndices(device);
      if (indices.stream().anyMatch(i -> i >= workerGpus)) {
        throw ApplicationFailure.newNonRetryableFailure(message(device, workerGpus), Failures.INVALID_RUN_SPEC);
      }
      return new DeviceReport("fake/gpu", workerGpus, List.of("cpu()"), indices.stream().map(i -> "gpu(" + i + ")").toList());
    }
  }

  private class FakeEvaluation implements EvaluationActivities {
    @Override
    public EvaluationResult evaluate(EvaluationRequest request) {
      calls.add("evaluate");
      evaluations.add(request);
      if (evaluationFails) {
        throw ApplicationFailure.newNonRetryableFailure("evaluation broke", "Test");
      }
      return new EvaluationResult(4.0, Math.exp(4.0), 400, 1000, List.of("The end"), java.util.Map.of(), true, "runs/run-1/model/",
          "runs/run-1/model/README.md", request.spec().name());
    }
  }
}
