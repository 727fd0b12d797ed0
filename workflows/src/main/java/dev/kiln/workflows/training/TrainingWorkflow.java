package dev.kiln.workflows.training;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;

/**
 * Stage 4 as a child workflow: segments of training, each resuming from the last committed checkpoint, with
 * operator control. Every control is a durable, validated update: invalid requests are rejected before they
 * enter the history; accepted ones stop the running segment at a checkpoint of where it was (nothing trained is
 * lost), take effect, and return what they did.
 */
@WorkflowInterface
public interface TrainingWorkflow {
  @WorkflowMethod
  TrainingResult train(TrainingRequest request);

  @QueryMethod
  TrainingProgress progress();

  /**
   * From the running training activity: checkpoints it has made durable (files and manifest written), so the
   * workflow verifies and commits them while the segment goes on, and {@link #progress} and {@link #rollback} see
   * them at once instead of when the segment ends. A report counts only after that verification, and only from
   * the segment the workflow is running (see {@link SegmentRequest#segment}); the segment's result (or its last
   * heartbeat, if it dies) still carries every checkpoint, so a lost report loses nothing.
   */
  @SignalMethod
  void checkpointDurable(CheckpointReport report);

  /** @param checkpoints made durable since the previous report, oldest first */
  record CheckpointReport(int segment, List<CheckpointRef> checkpoints) {}

  /** Stops training at a committed checkpoint of the current step until {@link #resume}. */
  @UpdateMethod
  ControlResult pause(String reason);

  @UpdateValidatorMethod(updateName = "pause")
  void validatePause(String reason);

  @UpdateMethod
  ControlResult resume();

  @UpdateValidatorMethod(updateName = "resume")
  void validateResume();

  /** Goes back to a committed checkpoint that is still stored; later checkpoints are abandoned. */
  @UpdateMethod
  ControlResult rollback(int step);

  @UpdateValidatorMethod(updateName = "rollback")
  void validateRollback(int step);

  /** Never trains on data indices [from, to) (the part not yet trained on). */
  @UpdateMethod
  ControlResult skipData(long from, long to);

  @UpdateValidatorMethod(updateName = "skipData")
  void validateSkipData(long from, long to);

  /** Sets the learning rate from the current step on; the schedule keeps its shape (see {@link LearningRateOverride}). */
  @UpdateMethod
  ControlResult setLearningRate(double learningRate);

  @UpdateValidatorMethod(updateName = "setLearningRate")
  void validateSetLearningRate(double learningRate);

  /**
   * @param state training, paused, or done
   * @param dataCursor the data index the next step reads
   * @param etaSeconds from the throughput so far, NaN before the first segment finished
   * @param goodput productive training time / wall time so far (operator pauses excluded)
   * @param interruptions the newest interruptions, as rollbacks and warnings ({@code totals} counts all; null from
   *     workers older than it)
   */
  record TrainingProgress(
      String state,
      int committedStep,
      int totalSteps,
      double lastLoss,
      CheckpointRef lastCheckpoint,
      long tokensCommitted,
      long dataCursor,
      double etaSeconds,
      double goodput,
      List<Integer> retainedSteps,
      List<Interruption> interruptions,
      List<Rollback> rollbacks,
      List<DataSkip> skips,
      List<LearningRateOverride> learningRates,
      List<String> warnings,
      LedgerTotals totals) {}

  /** What a control did, e.g. "paused at step 1200 (checkpoint committed)". */
  record ControlResult(String message, int step) {}
}
