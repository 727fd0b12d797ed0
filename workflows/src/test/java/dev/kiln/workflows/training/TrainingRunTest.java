package dev.kiln.workflows.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.workflows.Failures;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.training.CheckpointActivities.CommitRequest;
import dev.kiln.workflows.training.CheckpointActivities.CommitResult;
import dev.kiln.workflows.training.TrainingWorkflow.CheckpointReport;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The training run's transitions, without Temporal. */
class TrainingRunTest {
  private static final RunSpec.Resilience POLICY =
      RunSpec.Resilience.DEFAULTS.overriddenBy(new RunSpec.Resilience(null, 2, 4, null, null, 2, 1, null, null));
  private static final TrainingConfig CONFIG = TrainingConfig.builder().shape(new ModelShape(4096, 128, 64, 2, 2))
      .objective(Objective.CLM).batchSize(16).steps(100).learningRate(3e-3, 3e-4).warmupSteps(10).weightDecay(0.1)
      .gradClip(1.0).seed(1234).checkpointEvery(10).device("cpu").manifestKey("runs/run-1/curated/manifest.json")
      .build();
  private static final Retention RETENTION = new Retention(2, 0, 10);

  private static CheckpointRef ref(int generation, int step) {
    return new CheckpointRef(String.format("runs/run-1/checkpoints/g%03d/step-%07d/", generation, step), step, 4.0 - step / 100.0);
  }

  /** Commits {@code refs} as if the commit activity verified them all. */
  private static TrainingRun committed(TrainingRun run, CheckpointRef... refs) {
    CommitRequest request = run.commitRequest(List.of(refs), "run-1", CONFIG, RETENTION);
    List<CheckpointRef> verified = request.candidates().stream().sorted(Comparator.comparingInt(CheckpointRef::step)).toList();
    return run.onCommit(new CommitResult(verified, List.of(), List.of()), RETENTION);
  }

  private static SegmentResult result(int from, int to, LossAnomaly anomaly, CheckpointRef... refs) {
    return new SegmentResult(List.of(refs), from, to, 1, 1000, 1_000_000_000L, 5_000, 10, 100, 20, anomaly,
        anomaly == null ? "end" : "anomaly");
  }

  @Test
  void startsEmptyAndSurvivesContinueAsNew() {
    TrainingRun run = TrainingRun.start(null, 1_000);
    assertEquals(0, run.committedStep());
    assertNull(run.newestRetained());
    run = committed(run, ref(0, 10), ref(0, 20));
    TrainingState state = run.toState(50);
    assertEquals(1, state.continuedAsNew());
    assertEquals(50, state.historyEvents());
    assertEquals(1_000, state.startedEpochMillis());

    TrainingRun next = TrainingRun.start(state, 9_999);
    assertEquals(20, next.committedStep());
    assertEquals(1, next.continuedAsNew());
    assertEquals(50, next.historyEventsBefore());
    TrainingState again = next.toState(30);
    assertEquals(2, again.continuedAsNew());
    assertEquals(80, again.historyEvents());
    assertEquals(state.committed(), again.committed());
    assertEquals(state.retained(), again.retained());
    assertEquals(1_000, again.startedEpochMillis());
  }

  @Test
  void transitionsLeaveTheRunTheyStartFromAsItWas() {
    TrainingRun run = TrainingRun.start(null, 0);
    TrainingRun after = committed(run, ref(0, 10));
    assertEquals(0, run.committedStep());
    assertEquals(10, after.committedStep());
    TrainingRun paused = after.onControl(new TrainingRun.Pause("x")).applyNextControl(5).run();
    assertFalse(after.paused());
    assertTrue(paused.paused());
  }

  @Test
  void aSegmentResumesFromTheNewestRetainedCheckpointAndTakesOnlyItsOwnReports() {
    TrainingRun run = committed(TrainingRun.start(null, 0), ref(0, 10), ref(0, 20));
    TrainingRun.Started started = run.startSegment("run-1", CONFIG, 50, POLICY);
    assertEquals(20, started.start());
    assertEquals(70, started.end());
    assertEquals(20, started.before());
    assertEquals(ref(0, 20), started.segment().resumeFrom());
    assertEquals(1, started.segment().segment());
    TrainingRun running = started.run();
    assertTrue(running.takesReports());

    running = running.onReport(new CheckpointReport(8, List.of(ref(0, 30)))); // stale
    assertTrue(running.reported().isEmpty());
    running = running.onReport(new CheckpointReport(1, List.of(ref(0, 30))));
    assertEquals(List.of(ref(0, 30)), running.reported());
    assertTrue(running.hasReportsToCommit(false));
    assertFalse(running.hasReportsToCommit(true));
    assertTrue(running.stopReports().onReport(new CheckpointReport(1, List.of(ref(0, 40)))).reported().size() == 1);
    assertTrue(running.clearReported().reported().isEmpty());
  }

  @Test
  void aCommitVerifiesOnlyNewerCheckpointsNewestFirst() {
    TrainingRun run = committed(TrainingRun.start(null, 0), ref(0, 10));
    CommitRequest request = run.commitRequest(List.of(ref(0, 10), ref(0, 20), ref(0, 30)), "run-1", CONFIG, RETENTION);
    assertEquals(List.of(ref(0, 30), ref(0, 20)), request.candidates());
    assertEquals(CONFIG.hash(), request.configHash());
    assertNull(run.commitRequest(List.of(ref(0, 10)), "run-1", CONFIG, RETENTION));
  }

  @Test
  void aRejectedCommitStartsANewGenerationAndWarns() {
    TrainingRun run = TrainingRun.start(null, 0);
    TrainingRun after = run.onCommit(new CommitResult(List.of(ref(0, 10)), List.of("step 20: bad"), List.of()), RETENTION);
    assertEquals(1, after.generation());
    assertEquals(List.of("step 20: bad"), after.warnings());
    assertEquals(10, after.committedStep());
  }

  @Test
  void retentionKeepsThePinnedTargetOfAnAcceptedRollback() {
    TrainingRun run = committed(TrainingRun.start(null, 0), ref(0, 10), ref(0, 20));
    run = run.onControl(new TrainingRun.RollBack(10));
    assertEquals(List.of(ref(0, 10).prefix()), run.pinned());
    run = committed(run, ref(0, 30), ref(0, 40));
    assertEquals(List.of(10, 30, 40), run.retainedSteps());
  }

  @Test
  void aSegmentsResultCountsItsTimeAndItsKeptSteps() {
    TrainingRun run = TrainingRun.start(null, 0);
    SegmentResult r = result(0, 20, null, ref(0, 10), ref(0, 20));
    run = run.onSegmentResult(r, CONFIG.tokensPerStep());
    assertEquals(1, run.segments());
    assertEquals(20 * CONFIG.tokensPerStep(), run.tokensTrained());
    run = committed(run, ref(0, 10), ref(0, 20));
    run = run.afterSegmentCommit(r, 0, POLICY.maxRollbacks(), 10_000);
    assertEquals(1_000_000_000L, run.productiveNanos());
  }

  @Test
  void aLossSpikeRollsBackSkipsTheDataAndAtTheLimitFails() {
    TrainingRun run = committed(TrainingRun.start(null, 0), ref(0, 10), ref(0, 20));
    LossAnomaly spike = new LossAnomaly(25, 25, 40.0, 3.0, "loss spike");
    run = run.afterSegmentCommit(result(20, 25, spike), 20, 2, 7_000);
    assertEquals(1, run.generation());
    assertEquals(List.of(new DataSkip(20, 26, "loss spike at step 25")), run.skips());
    assertEquals(20, run.rollbacks().get(0).toStep());
    assertEquals("loss spike", run.interruptions().get(0).cause());
    assertEquals(List.of(20), run.resumes());
    assertEquals(1, run.warnings().size());

    // the retrained step 25 reads data index 31 now
    TrainingRun once = run.afterSegmentCommit(result(20, 25, new LossAnomaly(25, 31, 40.0, 3.0, "loss spike")), 20, 2, 8_000);
    assertEquals(new DataSkip(26, 32, "loss spike at step 25"), once.skips().get(1));
    ApplicationFailure diverged = assertThrows(ApplicationFailure.class,
        () -> once.afterSegmentCommit(result(20, 25, new LossAnomaly(25, 37, 40.0, 3.0, "loss spike")), 20, 2, 9_000));
    assertEquals(Failures.DIVERGED, diverged.getType());
  }

  @Test
  void anInterruptionCommitsTheReportsAndTheLastHeartbeatThenBacksOffWithoutProgress() {
    TrainingRun run = committed(TrainingRun.start(null, 0), ref(0, 10));
    TrainingRun.Started started = run.startSegment("run-1", CONFIG, 50, POLICY);
    TrainingRun running = started.run().onReport(new CheckpointReport(1, List.of(ref(0, 20))));
    TrainingHeartbeat beat = new TrainingHeartbeat(34, 100, 4.0, 1000, 10, ref(0, 30), 50_000, 45_000);
    TrainingRun.Interrupted interrupted = running.stopReports().onInterruption(null, null, beat);
    assertEquals(List.of(ref(0, 20), ref(0, 30)), interrupted.candidates());
    assertTrue(interrupted.run().reported().isEmpty());

    TrainingRun afterCommit = committed(interrupted.run(), ref(0, 20), ref(0, 30));
    TrainingRun.Resumption resumed = afterCommit.afterInterruptionCommit(
        "worker lost (heartbeat timeout)", beat, 10, 40_000, 10, CONFIG.tokensPerStep(), 52_000);
    assertNull(resumed.backoff());
    Interruption i = resumed.run().interruptions().get(0);
    assertEquals(34, i.lastStep());
    assertEquals(30, i.resumedFromStep());
    assertEquals(4, i.stepsLost());
    assertEquals(2_000, i.detectedAfterMillis());
    assertEquals(List.of(30), resumed.run().resumes());

    // no progress twice in a row: back off
    TrainingRun.Resumption first = resumed.run().afterInterruptionCommit("activity failed: x", null, 30, 60_000, 30, 1, 61_000);
    assertNull(first.backoff());
    TrainingRun.Resumption second = first.run().afterInterruptionCommit("activity failed: x", null, 30, 62_000, 30, 1, 63_000);
    assertEquals(Duration.ofSeconds(1), second.backoff());
    assertEquals(2, second.run().failuresWithoutProgress());
  }

  @Test
  void aCorruptCheckpointIsDroppedForThePreviousOne() {
    TrainingRun run = committed(TrainingRun.start(null, 0), ref(0, 10), ref(0, 20));
    TrainingRun.Interrupted i = run.onInterruption(ref(0, 20).prefix(), "sha mismatch", null);
    assertEquals(10, i.run().committedStep());
    assertEquals(1, i.run().generation());
    assertTrue(i.run().warnings().get(0).contains("sha mismatch"));
    assertTrue(i.candidates().isEmpty());
  }

  @Test
  void controlsApplyInOrderAtASegmentBoundary() {
    TrainingRun run = committed(TrainingRun.start(null, 0), ref(0, 10), ref(0, 20));
    run = run.onControl(new TrainingRun.Pause("x")).onControl(new TrainingRun.Resume());
    TrainingRun.Applied pause = run.applyNextControl(1_000);
    assertEquals("paused at step 20 (checkpoint committed)", pause.result().message());
    TrainingRun.Applied resume = pause.run().applyNextControl(4_000);
    assertEquals("resumed at step 20", resume.result().message());
    assertFalse(resume.run().paused());
    assertTrue(resume.run().pending().isEmpty());
    assertEquals(3_000, resume.run().toState(0).pausedMillis());

    TrainingRun.Applied back = resume.run().onControl(new TrainingRun.RollBack(10)).applyNextControl(5_000);
    assertEquals(10, back.result().step());
    assertEquals(10, back.run().committedStep());
    assertEquals(1, back.run().generation());
    assertEquals("operator", back.run().rollbacks().get(0).reason());

    TrainingRun.Applied gone = back.run().onControl(new TrainingRun.RollBack(20)).applyNextControl(6_000);
    assertTrue(gone.result().message().startsWith("not rolled back"), gone.result().message());

    TrainingRun.Applied skip = gone.run().onControl(new TrainingRun.SkipData(5, 30)).applyNextControl(7_000);
    assertEquals("skipping data [10, 30) from step 10", skip.result().message());
    TrainingRun.Applied nothing = skip.run().onControl(new TrainingRun.SkipData(0, 5)).applyNextControl(7_000);
    assertTrue(nothing.result().message().startsWith("nothing to skip"));

    TrainingRun.Applied lr = nothing.run().onControl(new TrainingRun.SetLearningRate(1e-4)).applyNextControl(8_000);
    assertEquals(List.of(new LearningRateOverride(10, 1e-4)), lr.run().learningRates());
  }

  @Test
  void aPauseThatLandsOnACheckpointStepCommitsThatCheckpointOnceAndResumesFromIt() {
    TrainingRun run = committed(TrainingRun.start(null, 0), ref(0, 10));
    TrainingRun.Started started = run.startSegment("run-1", CONFIG, 50, POLICY);
    // the pause stops the segment at step 30, a checkpoint step: the checkpoint it wrote there is its last one
    run = started.run().onControl(new TrainingRun.Pause("operator"));
    SegmentResult stopped = new SegmentResult(List.of(ref(0, 20), ref(0, 30)), 10, 30, 1, 1000, 2_000_000_000L, 5_000,
        10, 100, 20, null, "cancelled");
    run = run.stopReports().onSegmentResult(stopped, CONFIG.tokensPerStep());
    CommitRequest request = run.commitRequest(stopped.checkpoints(), "run-1", CONFIG, RETENTION);
    assertEquals(List.of(ref(0, 30), ref(0, 20)), request.candidates(), "step 30 once, not again as a pause checkpoint");
    run = committed(run, ref(0, 20), ref(0, 30)).afterSegmentCommit(stopped, started.before(), 2, 6_000);
    TrainingRun.Applied paused = run.applyNextControl(6_000);
    assertEquals("paused at step 30 (checkpoint committed)", paused.result().message());
    assertEquals(0, paused.run().generation(), "a pause keeps the line of training");
    TrainingRun resumed = paused.run().onControl(new TrainingRun.Resume()).applyNextControl(9_000).run();
    assertEquals(ref(0, 30), resumed.startSegment("run-1", CONFIG, 50, POLICY).segment().resumeFrom());
  }

  @Test
  void aRollbackAcceptedWhileACheckpointUploadsKeepsItsTargetAndAbandonsTheUpload() {
    TrainingRun run = committed(TrainingRun.start(null, 0), ref(0, 10), ref(0, 20));
    TrainingRun.Started started = run.startSegment("run-1", CONFIG, 50, POLICY);
    // step 10 is the target; retention (the last 2) would delete it once 30 and 40 are committed
    run = started.run().onControl(new TrainingRun.RollBack(10));
    run = run.onReport(new CheckpointReport(started.segment().segment(), List.of(ref(0, 30))));
    run = committed(run.clearReported(), ref(0, 30));
    // the segment stops with step 40 uploaded meanwhile: committed, and 10 still kept
    SegmentResult stopped = new SegmentResult(List.of(ref(0, 30), ref(0, 40)), 20, 40, 1, 1000, 2_000_000_000L, 5_000,
        10, 100, 20, null, "cancelled");
    run = committed(run.stopReports().onSegmentResult(stopped, CONFIG.tokensPerStep()), ref(0, 40));
    assertEquals(List.of(10, 30, 40), run.retainedSteps());
    TrainingRun.Applied back = run.afterSegmentCommit(stopped, started.before(), 2, 7_000).applyNextControl(7_000);
    assertEquals("rolled back from step 40 to step 10", back.result().message());
    assertEquals(10, back.run().committedStep());
    assertEquals(1, back.run().generation(), "what follows is written under new keys");
    TrainingRun.Started next = back.run().startSegment("run-1", CONFIG, 50, POLICY);
    assertEquals(ref(0, 10), next.segment().resumeFrom());
    assertEquals(1, next.segment().generation());
    // a late report of the abandoned segment is not taken
    assertTrue(next.run().onReport(new CheckpointReport(started.segment().segment(), List.of(ref(0, 50))))
        .reported().isEmpty());
  }

  @Test
  void invalidControlsAreRejected() {
    TrainingRun run = committed(TrainingRun.start(null, 0), ref(0, 10));
    assertThrows(IllegalStateException.class, () -> run.validate(new TrainingRun.Pause("x"), false));
    run.validate(new TrainingRun.Pause("x"), true);
    assertThrows(IllegalStateException.class, () -> run.validate(new TrainingRun.Resume(), true));
    assertThrows(IllegalArgumentException.class, () -> run.validate(new TrainingRun.RollBack(20), true));
    run.validate(new TrainingRun.RollBack(10), true);
    assertThrows(IllegalArgumentException.class, () -> run.validate(new TrainingRun.SkipData(5, 5), true));
    assertThrows(IllegalArgumentException.class, () -> run.validate(new TrainingRun.SkipData(0, 10), true));
    assertThrows(IllegalArgumentException.class, () -> run.validate(new TrainingRun.SetLearningRate(2), true));
    TrainingRun done = run.finish();
    assertThrows(IllegalStateException.class, () -> done.validate(new TrainingRun.SetLearningRate(0.1), true));
    assertEquals("done", done.progress(CONFIG, 0).state());
    assertEquals("training", TrainingRun.empty().progress(null, 0).state());
  }
}
