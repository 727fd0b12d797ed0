package dev.kiln.workflows.training;

import dev.kiln.workflows.ActivityPolicies;
import dev.kiln.workflows.ActivitySummaries;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.List;
import org.slf4j.Logger;

/**
 * Trains in segments and owns the checkpoint protocol: a checkpoint is committed only after another process re-read
 * it against its manifest ({@link CheckpointActivities#commit}), and training resumes only from this record of
 * committed checkpoints, never from a listing of storage. Interruptions are handled here rather than by the
 * activity's retry policy, so each lands in the goodput ledger. The run's state and its transitions are
 * {@link TrainingRun}'s (see docs/training.md); this driver turns its decisions into activities, timers, upserts
 * ({@link TrainingPublisher}) and continue-as-new, and keeps the one object current.
 */
public class TrainingWorkflowImpl implements TrainingWorkflow {
  private static final Logger log = Workflow.getLogger(TrainingWorkflowImpl.class);

  private final CheckpointActivities checkpoints =
      Workflow.newLocalActivityStub(CheckpointActivities.class, ActivityPolicies.CHECKPOINT_COMMIT);

  private TrainingRequest request;
  private TrainingConfig config;
  private RunSpec.Resilience policy;
  private Retention retention;
  private TrainingPublisher publisher;

  /** The run's whole state; every transition replaces it (see {@link #set}). */
  private TrainingRun run = TrainingRun.empty();
  /** The update handlers waiting on the controls queued in {@link #run}. */
  private final ControlAnswers answers = new ControlAnswers();
  private CancellationScope runningSegment;
  private Promise<SegmentResult> runningResult;

  @Override
  public TrainingResult train(TrainingRequest request) {
    this.request = request;
    this.config = request.config();
    this.policy = request.resilience();
    this.retention = new Retention(policy.keepLast(), policy.keepEvery(), config.checkpointEvery());
    run = TrainingRun.start(request.state(), Workflow.currentTimeMillis());
    publisher = new TrainingPublisher(request.runId(), config, run);

    while (true) {
      stopIfCancelled();
      applyControls();
      if (run.committedStep() >= config.steps()) {
        break;
      }
      if (run.paused()) {
        Workflow.await(() -> !run.pending().isEmpty());
        continue;
      }
      runSegment();
      if (shouldContinueAsNew()) {
        Workflow.continueAsNew(new TrainingRequest(request.runId(), config, request.segmentSteps(), policy,
            run.toState(Workflow.getInfo().getHistoryLength())));
      }
    }
    int step = run.committedStep();
    run = run.finish();
    // Controls accepted while the last segment finished have nothing left to act on.
    answers.answerAll(new ControlResult("training already finished at step " + step, step));
    Workflow.await(Workflow::isEveryHandlerFinished);
    return run.result(config, Workflow.getInfo().getHistoryLength(), Workflow.currentTimeMillis());
  }

  /** Takes the next state, and logs the warnings it added. */
  private void set(TrainingRun next) {
    TrainingRun before = run;
    run = next;
    publisher.changed(before, run);
  }

  // ---- segments

  private void runSegment() {
    TrainingRun.Started started = run.startSegment(request.runId(), config, request.segmentSteps(), policy);
    set(started.run());
    int start = started.start();
    int before = started.before();
    int generation = run.generation();
    String summary = ActivitySummaries.trainSteps(start, started.end())
        + (generation == 0 ? "" : " (generation " + generation + ")");
    TrainingActivities activity =
        Workflow.newActivityStub(TrainingActivities.class, ActivityPolicies.trainingSegment(policy, summary));

    long scheduledAt = Workflow.currentTimeMillis();
    runningSegment = Workflow.newCancellationScope(() -> {
      runningResult = Async.function(activity::trainSegment, started.segment());
    });
    runningSegment.run();
    SegmentResult result;
    try {
      // detached: a cancel of the run must not end this wait; it reaches the segment, whose result is committed below
      CancellationScope scope = CancellationScope.current();
      Workflow.newDetachedCancellationScope(() -> commitReportedUntilDone(scope)).run();
      result = runningResult.get();
    } catch (ActivityFailure failure) {
      run = run.stopReports();
      stopIfCancelled();
      interrupted(failure, start, scheduledAt, before);
      return;
    } finally {
      run = run.stopReports();
      runningSegment = null;
      runningResult = null;
    }
    run = run.clearReported(); // the result carries every checkpoint the segment made durable
    if (CancellationScope.current().isCancelRequested()) {
      // The run is being cancelled: the segment stopped at a checkpoint of its step; commit it, then stop.
      Workflow.newDetachedCancellationScope(() -> finished(result, before)).run();
      stopIfCancelled();
    }
    finished(result, before);
  }

  /**
   * While the segment runs, verifies and commits the checkpoints it reports durable, so that status and rollback
   * see them during the segment. Stops taking reports from the segment if one fails verification: the segment's
   * result is then committed as a whole, as at its end (a rejection starts a new generation, whose retention would
   * treat the segment's later checkpoints as abandoned while it still writes them). Not while the run is being
   * cancelled: the segment's result is committed then. Each commit here costs about 5 events (the signal, a
   * workflow task, the local activity's marker); the activity reports at most every 5 s, which bounds that.
   */
  private void commitReportedUntilDone(CancellationScope scope) {
    while (true) {
      Workflow.await(() -> runningResult.isCompleted() || run.hasReportsToCommit(scope.isCancelRequested()));
      if (runningResult.isCompleted()) {
        return;
      }
      List<CheckpointRef> batch = run.reported();
      run = run.clearReported();
      if (!commit(batch)) { // in the detached scope: a cancel of the run arriving meanwhile does not cut it short
        run = run.stopReports();
      }
    }
  }

  @Override
  public void checkpointDurable(CheckpointReport report) {
    run = run.onReport(report);
  }

  /** Ends the workflow as cancelled once the run was (e.g. {@code kiln cancel}): no new segment starts. */
  private static void stopIfCancelled() {
    if (CancellationScope.current().isCancelRequested()) {
      throw new CanceledFailure("training cancelled");
    }
  }

  /** A segment came back: commit its checkpoints, count its time, and act on a rejected loss. */
  private void finished(SegmentResult result, int before) {
    set(run.onSegmentResult(result, config.tokensPerStep()));
    commit(result.checkpoints());
    set(run.afterSegmentCommit(result, before, policy.maxRollbacks(), Workflow.currentTimeMillis()));
    publisher.progress(run);
  }

  /** The segment's activity failed or its worker died: commit what it reported, record it, resume. */
  private void interrupted(ActivityFailure failure, int start, long scheduledAt, int before) {
    long now = Workflow.currentTimeMillis();
    SegmentFailure f = SegmentFailure.of(failure);
    if (f == null) {
      return; // cancelled before it started: nothing was trained
    }
    TrainingRun.Interrupted stopped = run.onInterruption(f.corruptPrefix(), f.corruptMessage(), f.beat());
    set(stopped.run());
    commit(stopped.candidates());
    TrainingRun.Resumption resumed =
        run.afterInterruptionCommit(f.reason(), f.beat(), start, scheduledAt, before, config.tokensPerStep(), now);
    set(resumed.run());
    log.warn("training of {} interrupted at step {} ({}); resuming from committed step {}",
        request.runId(), f.beat() == null ? start : f.beat().step(), f.reason(), run.committedStep());
    if (resumed.backoff() != null) {
      // Nothing moved since the last failure (storage down, no worker): back off like a retry policy would.
      Workflow.sleep(resumed.backoff());
    }
    publisher.progress(run);
  }

  /**
   * Verifies candidates in another process ({@link CheckpointActivities#commit}), records those that pass as
   * committed, and applies retention.
   *
   * @return false if a candidate failed verification
   */
  private boolean commit(List<CheckpointRef> candidates) {
    CheckpointActivities.CommitRequest commit = run.commitRequest(candidates, request.runId(), config, retention);
    if (commit == null) {
      return true;
    }
    CheckpointActivities.CommitResult result = checkpoints.commit(commit);
    set(run.onCommit(result, retention)); // the state as it is now: reports and controls may have come meanwhile
    return result.rejected().isEmpty();
  }

  // ---- operator control (updates)

  private ControlResult submit(TrainingRun.Control control) {
    run = run.onControl(control);
    // A segment whose result arrived in this workflow task is over: there is nothing to stop, and a cancel
    // request for a closed activity is a command the server may refuse.
    if (control.interruptsTraining() && runningSegment != null && !runningResult.isCompleted()) {
      runningSegment.cancel(); // the activity writes a checkpoint of where it is and returns
    }
    return answers.await();
  }

  /** Applies queued controls at a segment boundary, in the order they were accepted. */
  private void applyControls() {
    while (!run.pending().isEmpty()) {
      TrainingRun.Applied applied = run.applyNextControl(Workflow.currentTimeMillis());
      set(applied.run());
      answers.answerOldest(applied.result());
    }
    publisher.warnings(run);
  }

  private void validate(TrainingRun.Control control) {
    run.validate(control, request != null); // request: whether training started
  }

  // One record per control (see TrainingRun.Control); validators reject before the update enters the history.
  @Override public ControlResult pause(String reason) { return submit(new TrainingRun.Pause(reason)); }
  @Override public void validatePause(String reason) { validate(new TrainingRun.Pause(reason)); }
  @Override public ControlResult resume() { return submit(new TrainingRun.Resume()); }
  @Override public void validateResume() { validate(new TrainingRun.Resume()); }
  @Override public ControlResult rollback(int step) { return submit(new TrainingRun.RollBack(step)); }
  @Override public void validateRollback(int step) { validate(new TrainingRun.RollBack(step)); }
  @Override public ControlResult skipData(long from, long to) { return submit(new TrainingRun.SkipData(from, to)); }
  @Override public void validateSkipData(long from, long to) { validate(new TrainingRun.SkipData(from, to)); }
  @Override public ControlResult setLearningRate(double lr) { return submit(new TrainingRun.SetLearningRate(lr)); }
  @Override public void validateSetLearningRate(double lr) { validate(new TrainingRun.SetLearningRate(lr)); }

  // ---- progress

  private boolean shouldContinueAsNew() {
    return run.pending().isEmpty()
        && (Workflow.getInfo().getHistoryLength() >= policy.continueAsNewAfterEvents()
            || Workflow.getInfo().isContinueAsNewSuggested());
  }

  @Override
  public TrainingProgress progress() {
    return run.progress(config, Workflow.currentTimeMillis());
  }
}
