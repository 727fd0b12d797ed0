package dev.kiln.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.training.CheckpointRef;
import dev.kiln.workflows.training.DataSkip;
import dev.kiln.workflows.training.LearningRateOverride;
import dev.kiln.workflows.training.LossAnomaly;
import dev.kiln.workflows.training.SegmentRequest;
import dev.kiln.workflows.training.SegmentResult;
import dev.kiln.workflows.training.TrainingActivities;
import dev.kiln.workflows.training.TrainingConfig;
import dev.kiln.workflows.training.TrainingHeartbeat;
import dev.kiln.workflows.training.TrainingRequest;
import dev.kiln.workflows.training.TrainingResult;
import dev.kiln.workflows.training.TrainingWorkflow;
import dev.kiln.workflows.training.TrainingWorkflowImpl;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The training workflow's checkpoint protocol, failure handling, rollback policy and operator control. */
class TrainingWorkflowTest {
  private static final ModelShape SHAPE = new ModelShape(4096, 128, 64, 2, 2);
  private static final RunSpec.Resilience POLICY =
      RunSpec.Resilience.DEFAULTS.overriddenBy(new RunSpec.Resilience(null, 2, 4, null, null, 2, 1, null, null));

  private TestWorkflowEnvironment env;
  private final InMemoryCheckpoints checkpoints = new InMemoryCheckpoints();
  private final List<SegmentRequest> segments = Collections.synchronizedList(new ArrayList<>());
  /** What the fake training activity does with each request; by default it finishes the segment. */
  private volatile Function<SegmentRequest, SegmentResult> training = FakeTrainingSegments::complete;

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    KilnSearchAttributes.all().forEach(env::registerSearchAttribute);
    var cpu = env.newWorker(TaskQueues.CPU);
    cpu.registerWorkflowImplementationTypes(TrainingWorkflowImpl.class);
    cpu.registerActivitiesImplementations(checkpoints);
    env.newWorker(TaskQueues.GPU).registerActivitiesImplementations((TrainingActivities) request -> {
      segments.add(request);
      return training.apply(request);
    });
    env.start();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  private static TrainingConfig config(int steps) {
    return TrainingConfig.builder().shape(SHAPE).objective(dev.kiln.workflows.training.Objective.CLM).batchSize(16)
        .steps(steps).learningRate(3e-3, 3e-4).warmupSteps(10).weightDecay(0.1).gradClip(1.0).seed(1234)
        .checkpointEvery(10).device("cpu").manifestKey("runs/run-1/curated/manifest.json").build();
  }

  private TrainingWorkflow stub() {
    return env.getWorkflowClient().newWorkflowStub(TrainingWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId("run-1-train").setTaskQueue(TaskQueues.CPU).build());
  }

  private TrainingResult train(int steps, int segmentSteps, RunSpec.Resilience policy) {
    return stub().train(new TrainingRequest("run-1", config(steps), segmentSteps, policy, null));
  }

  @Test
  void commitsVerifiedCheckpointsAndKeepsTheLastKPlusEveryMth() {
    TrainingResult result = train(100, 50, POLICY);
    assertEquals(100, result.finalCheckpoint().step());
    assertEquals(List.of(10, 20, 30, 40, 50, 60, 70, 80, 90, 100),
        result.committed().stream().map(CheckpointRef::step).toList());
    assertEquals(List.of(0, 50), segments.stream().map(s -> s.resumeFrom() == null ? 0 : s.resumeFrom().step()).toList());
    // keep the last 2 plus every 4th checkpoint (steps 40, 80): the rest is deleted after newer ones committed
    assertTrue(checkpoints.stored.containsAll(List.of(
        FakeTrainingSegments.prefix(segments.get(0), 40), FakeTrainingSegments.prefix(segments.get(1), 80),
        FakeTrainingSegments.prefix(segments.get(1), 90), FakeTrainingSegments.prefix(segments.get(1), 100))));
    assertEquals(4, checkpoints.stored.size(), "stored: " + checkpoints.stored);
    assertTrue(result.interruptions().isEmpty());
    assertTrue(result.goodput() > 0 && result.goodput() <= 1, "goodput " + result.goodput());
  }

  @Test
  void aCheckpointThatFailsVerificationIsNeverCommittedAndThePreviousOneIsUsed() {
    training = request -> {
      SegmentResult done = FakeTrainingSegments.complete(request);
      if (request.resumeFrom() == null) {
        checkpoints.corrupt.add(FakeTrainingSegments.prefix(request, 50)); // the segment's last one is torn
      }
      return done;
    };
    TrainingResult result = train(100, 50, POLICY);
    assertEquals(100, result.finalCheckpoint().step());
    assertEquals(40, segments.get(1).resumeFrom().step(), "resumed from the newest verified checkpoint");
    assertEquals(1, segments.get(1).generation(), "step 50 is retrained under new keys: the torn files refuse it");
    assertTrue(result.warnings().stream().anyMatch(w -> w.contains("step-0000050") && w.contains("manifest")),
        result.warnings().toString());
  }

  @Test
  void warningsReachTheMemoOncePerSegmentBoundaryNotOncePerWarning() {
    training = request -> {
      if (request.resumeFrom() == null) {
        for (int step : new int[] {20, 30, 40, 50}) { // four torn checkpoints in one segment: four warnings at once
          checkpoints.corrupt.add(FakeTrainingSegments.prefix(request, step));
        }
      }
      return FakeTrainingSegments.complete(request);
    };
    TrainingResult result = train(100, 50, POLICY);
    assertEquals(4, result.totals().warnings(), result.warnings().toString());
    var memos = env.getWorkflowClient().fetchHistory("run-1-train").getEvents().stream()
        .filter(e -> e.hasWorkflowPropertiesModifiedEventAttributes())
        .map(e -> e.getWorkflowPropertiesModifiedEventAttributes().getUpsertedMemo().getFieldsMap())
        .toList();
    assertEquals(1, memos.size(), "one upsert for the segment that warned: " + memos);
    Integer count = io.temporal.common.converter.DefaultDataConverter.STANDARD_INSTANCE
        .fromPayload(memos.get(0).get("kiln.warningCount"), Integer.class, Integer.class);
    assertEquals(4, count);
  }

  @Test
  void aCorruptCheckpointFoundOnLoadIsDroppedInFavourOfThePreviousOne() {
    training = request -> {
      if (request.resumeFrom() != null && request.resumeFrom().step() == 50 && segments.size() == 2) {
        throw ApplicationFailure.newNonRetryableFailure("model.safetensors does not match its manifest",
            Failures.CORRUPT_CHECKPOINT, request.resumeFrom().prefix());
      }
      return FakeTrainingSegments.complete(request);
    };
    TrainingResult result = train(100, 50, POLICY);
    assertEquals(100, result.finalCheckpoint().step());
    assertEquals(40, segments.get(2).resumeFrom().step());
    assertEquals(1, segments.get(2).generation(),
        "step 50 is retrained under new keys: the corrupt files (kept for inspection) would refuse it");
    assertEquals("corrupt checkpoint", result.interruptions().get(0).cause());
    assertTrue(result.warnings().get(0).contains("step-0000050"), result.warnings().toString());
  }

  @Test
  void aDeadWorkersLastHeartbeatedCheckpointIsVerifiedCommittedAndResumedFrom() {
    training = request -> {
      if (segments.size() == 1) {
        ActivityExecutionContext context = Activity.getExecutionContext();
        CheckpointRef durable = FakeTrainingSegments.checkpoint(request, 30);
        context.heartbeat(new TrainingHeartbeat(34, 100, 4.0, 1000, 10, durable, System.currentTimeMillis(), System.currentTimeMillis()));
        sleep(3_500); // silent longer than the 1 s heartbeat timeout: the worker is "dead"
        throw new IllegalStateException("a zombie's late result must not count");
      }
      return FakeTrainingSegments.complete(request);
    };
    TrainingResult result = train(100, 50, POLICY);
    assertEquals(100, result.finalCheckpoint().step());
    assertEquals(30, segments.get(1).resumeFrom().step(), "resumed from the heartbeated checkpoint once verified");
    assertEquals(1, result.interruptions().size());
    var lost = result.interruptions().get(0);
    assertTrue(lost.cause().startsWith("worker lost (heartbeat timeout)"), lost.cause());
    assertEquals(34, lost.lastStep());
    assertEquals(30, lost.resumedFromStep());
    assertEquals(4, lost.stepsLost());
    assertTrue(lost.detectedAfterMillis() >= 900, "detected after " + lost.detectedAfterMillis());
    assertTrue(lost.timeToFirstStepMillis() >= lost.detectedAfterMillis(), lost.toString());
    assertEquals(List.of(30), result.resumes());
  }

  @Test
  void aLossSpikeRollsBackToTheLastCommittedCheckpointAndSkipsTheOffendingData() {
    training = request -> {
      if (request.skips().isEmpty() && request.endStep() > 70) {
        // step 75's batch (data index 75) makes the loss explode; 70 was the last checkpoint before it
        return FakeTrainingSegments.stopped(request, 75, "anomaly",
            new LossAnomaly(75, 75, 40.0, 3.1, "loss 40.0000 > 3.0 x moving average 3.1000"));
      }
      return FakeTrainingSegments.complete(request);
    };
    TrainingResult result = train(100, 50, POLICY);
    assertEquals(100, result.finalCheckpoint().step());
    SegmentRequest after = segments.get(2);
    assertEquals(70, after.resumeFrom().step());
    assertEquals(List.of(new DataSkip(70, 76, "loss 40.0000 > 3.0 x moving average 3.1000 at step 75")), after.skips());
    assertEquals(1, after.generation(), "a new line of training never reuses the abandoned line's keys");
    assertEquals(1, result.rollbacks().size());
    assertEquals(70, result.rollbacks().get(0).toStep());
    assertEquals("loss spike", result.interruptions().get(0).cause());
    assertEquals(5, result.interruptions().get(0).stepsLost());
  }

  @Test
  void tooManyLossSpikesFailTheRunNamingTheStepAndTheFix() {
    training = request -> request.endStep() > 20
        ? FakeTrainingSegments.stopped(request, 25, "anomaly", new LossAnomaly(25, 25 + 6L * request.generation(),
            Double.NaN, 3.0, "loss is NaN"))
        : FakeTrainingSegments.complete(request);
    WorkflowFailedException failed = assertThrows(WorkflowFailedException.class, () -> train(100, 50, POLICY));
    ApplicationFailure cause = (ApplicationFailure) failed.getCause();
    assertEquals(Failures.DIVERGED, cause.getType());
    assertTrue(cause.getOriginalMessage().contains("loss is NaN at step 25, after 2 rollbacks"), cause.getOriginalMessage());
    assertTrue(cause.getOriginalMessage().contains("resilience.maxRollbacks"), cause.getOriginalMessage());
  }

  @Test
  void operatorsPauseResumeSetTheLearningRateAndRollBackThroughValidatedUpdates() throws Exception {
    training = TrainingWorkflowTest::trainUntilCancelled;
    TrainingWorkflow run = stub();
    CompletableFuture<TrainingResult> result =
        WorkflowClient.execute(run::train, new TrainingRequest("run-1", config(100), 100, POLICY, null));
    awaitSegments(1);
    sleep(300);

    var paused = run.pause("inspect the loss");
    assertTrue(paused.message().startsWith("paused at step "), paused.message());
    assertTrue(paused.step() > 0, "the step reached was checkpointed and committed: " + paused);
    assertEquals("paused", run.progress().state());
    assertEquals(paused.step(), run.progress().committedStep());
    assertThrows(WorkflowUpdateException.class, () -> run.pause("twice"), "already paused");
    assertThrows(WorkflowUpdateException.class, () -> run.setLearningRate(5.0), "outside (0, 1]");
    assertThrows(WorkflowUpdateException.class, () -> run.rollback(3), "not a stored checkpoint");

    var lr = run.setLearningRate(1e-3);
    assertEquals(paused.step(), lr.step());
    var resumed = run.resume();
    assertEquals(paused.step(), resumed.step());
    awaitSegments(2);
    SegmentRequest afterResume = segments.get(1);
    assertEquals(paused.step(), afterResume.resumeFrom().step());
    assertEquals(List.of(new LearningRateOverride(paused.step(), 1e-3)), afterResume.learningRates());

    int target = run.progress().retainedSteps().get(0);
    var back = run.rollback(target);
    assertEquals(target, back.step());
    awaitSegments(3);
    assertEquals(target, segments.get(2).resumeFrom().step());
    training = FakeTrainingSegments::complete;
    var skip = run.skipData(10_000, 10_100);
    assertTrue(skip.message().contains("skipping data [10000, 10100)"), skip.message());

    TrainingResult done = result.get(30, TimeUnit.SECONDS);
    assertEquals(100, done.finalCheckpoint().step());
    assertEquals("operator", done.rollbacks().get(0).reason());
    assertFalse(segments.get(segments.size() - 1).skips().isEmpty());
  }

  @Test
  void checkpointsReportedDuringALongFirstSegmentAreCommittedThenSoStatusAndRollbackSeeThem() throws Exception {
    training = TrainingWorkflowTest::trainReportingUntilCancelled;
    TrainingWorkflow run = stub();
    CompletableFuture<TrainingResult> result =
        WorkflowClient.execute(run::train, new TrainingRequest("run-1", config(100), 100, POLICY, null));
    awaitSegments(1);
    // a report from another segment (a stale attempt) is not taken
    CheckpointRef stale = new CheckpointRef("runs/run-1/checkpoints/g009/step-0000010/", 10, 4.9);
    run.checkpointDurable(new TrainingWorkflow.CheckpointReport(segments.get(0).segment() + 7, List.of(stale)));

    TrainingWorkflow.TrainingProgress during = awaitCommitted(run, 30);
    assertEquals(1, segments.size(), "still the first segment, one segment of 100 steps");
    assertEquals("training", during.state());
    assertTrue(during.committedStep() >= 30 && during.committedStep() < 100, during.toString());
    assertTrue(during.retainedSteps().size() >= 2, "stored: " + during.retainedSteps());
    assertTrue(during.retainedSteps().stream().allMatch(step -> step % 10 == 0), during.retainedSteps().toString());
    assertTrue(checkpoints.stored.contains(FakeTrainingSegments.prefix(segments.get(0), during.committedStep())),
        "verified by the commit activity before it counted: " + checkpoints.stored);
    assertFalse(checkpoints.stored.contains(stale.prefix()), "the stale report was never verified nor committed");

    WorkflowUpdateException refused = assertThrows(WorkflowUpdateException.class, () -> run.rollback(95));
    assertTrue(refused.getCause().getMessage().contains("choose one of [" + during.retainedSteps().get(0)),
        refused.getCause().getMessage());

    int target = during.retainedSteps().get(0);
    training = FakeTrainingSegments::complete; // for the segments after the rollback
    var back = run.rollback(target);
    assertEquals(target, back.step(), back.message());
    awaitSegments(2);
    assertEquals(target, segments.get(1).resumeFrom().step());
    assertEquals(1, segments.get(1).generation(), "the abandoned line's keys are never reused");

    TrainingResult done = result.get(30, TimeUnit.SECONDS);
    assertEquals(100, done.finalCheckpoint().step());
    assertEquals(target, done.rollbacks().get(0).toStep());
    assertTrue(done.committed().stream().noneMatch(c -> c.prefix().equals(stale.prefix())));
  }

  /** Polls the query until it shows a committed step of at least {@code step}. */
  private static TrainingWorkflow.TrainingProgress awaitCommitted(TrainingWorkflow run, int step) throws InterruptedException {
    TrainingWorkflow.TrainingProgress p = run.progress();
    for (int i = 0; i < 500 && p.committedStep() < step; i++) {
      Thread.sleep(20);
      p = run.progress();
    }
    assertTrue(p.committedStep() >= step, "committed during the segment: " + p);
    return p;
  }

  /**
   * A training activity that, like the real one, reports each checkpoint to the workflow once durable (every 10
   * steps here) and heartbeats until cancelled, then returns a checkpoint at the step it reached.
   */
  private static SegmentResult trainReportingUntilCancelled(SegmentRequest request) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    TrainingWorkflow workflow = context.getWorkflowClient().newWorkflowStub(
        TrainingWorkflow.class, context.getInfo().getWorkflowId(), java.util.Optional.of(context.getInfo().getRunId()));
    int step = request.resumeFrom() == null ? 0 : request.resumeFrom().step();
    while (step < request.endStep()) {
      sleep(60);
      step++;
      CheckpointRef durable = null;
      if (step % request.config().checkpointEvery() == 0) {
        durable = FakeTrainingSegments.checkpoint(request, step);
        workflow.checkpointDurable(new TrainingWorkflow.CheckpointReport(request.segment(), List.of(durable)));
      }
      try {
        context.heartbeat(new TrainingHeartbeat(step, 100, 4.0, 1000, 10, durable, System.currentTimeMillis(), 0));
      } catch (ActivityCompletionException cancelled) {
        return FakeTrainingSegments.stopped(request, step, "cancel", null);
      }
    }
    return FakeTrainingSegments.complete(request);
  }

  @Test
  void cancellingTheRunCommitsWhereTheSegmentStoppedAndStartsNoOtherSegment() throws Exception {
    training = TrainingWorkflowTest::trainUntilCancelled;
    TrainingWorkflow run = stub();
    WorkflowClient.start(run::train, new TrainingRequest("run-1", config(100), 100, POLICY, null));
    awaitSegments(1);
    sleep(300);
    io.temporal.client.WorkflowStub untyped = io.temporal.client.WorkflowStub.fromTyped(run);
    untyped.cancel();
    assertThrows(io.temporal.client.WorkflowFailedException.class, () -> untyped.getResult(10, TimeUnit.SECONDS, TrainingResult.class));
    assertEquals(1, segments.size(), "no segment after the cancel");
    assertFalse(checkpoints.stored.isEmpty(), "the checkpoint written at the cancel was committed");
  }

  @Test
  void continuesAsNewSoItsHistoryStaysSmallAndKeepsItsRecord() {
    RunSpec.Resilience policy = POLICY.overriddenBy(new RunSpec.Resilience(null, null, null, null, null, null, null, null, 100));
    TrainingResult result = train(400, 10, policy);
    assertEquals(400, result.finalCheckpoint().step());
    assertTrue(result.continuedAsNew() >= 2, "continued as new " + result.continuedAsNew() + " times");
    // the record survives continue-as-new: the newest committed checkpoints, and the curve of all 40
    assertEquals(List.of(400), result.committed().subList(result.committed().size() - 1, result.committed().size())
        .stream().map(CheckpointRef::step).toList());
    assertEquals(32, result.committed().size());
    assertEquals(40, result.lossCurve().steps().size());
    assertEquals(10, result.lossCurve().firstStep());
    assertFalse(result.committedIsWholeLine());
    assertEquals(40, segments.size());
    // a segment costs its activity (3 events), a workflow task (3), the local commit's marker and an upsert
    assertTrue(result.historyEvents() <= 40 * 8 + 10 * (result.continuedAsNew() + 1),
        "events over all runs: " + result.historyEvents());
  }

  /** A training activity that heartbeats until cancelled, then reports a checkpoint at the step it reached. */
  private static SegmentResult trainUntilCancelled(SegmentRequest request) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    int step = request.resumeFrom() == null ? 0 : request.resumeFrom().step();
    while (step < request.endStep()) {
      sleep(20);
      step++;
      try {
        context.heartbeat(new TrainingHeartbeat(step, 100, 4.0, 1000, 10, null, System.currentTimeMillis(), 0));
      } catch (ActivityCompletionException cancelled) {
        return FakeTrainingSegments.stopped(request, step, "cancel", null);
      }
    }
    return FakeTrainingSegments.complete(request);
  }

  private void awaitSegments(int count) throws InterruptedException {
    for (int i = 0; i < 500 && segments.size() < count; i++) {
      Thread.sleep(20);
    }
    assertTrue(segments.size() >= count, "segments started: " + segments.size());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
