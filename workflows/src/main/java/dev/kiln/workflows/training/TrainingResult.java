package dev.kiln.workflows.training;

import java.util.List;

/**
 * @param committed the newest committed checkpoints of the final line of training, oldest first (their files may
 *     have been deleted by retention; their losses are in the run's loss log); the whole line if it starts at
 *     {@code lossCurve}'s first step
 * @param resumes the newest steps at which training resumed from a checkpoint after an interruption
 * @param interruptions the newest interruptions ({@code totals} counts all), as rollbacks and warnings
 * @param goodput productive training time / wall time of the training stage (operator pauses excluded)
 * @param stallFraction share of training time the loop spent on checkpoints
 * @param historyEvents workflow history events over all runs of the training workflow
 * @param lossCurve the loss at each committed checkpoint of the final line, thinned (null from older workers)
 * @param totals counts over the whole run (null from older workers: see {@link #totalsOrCounted})
 */
public record TrainingResult(
    CheckpointRef finalCheckpoint,
    List<CheckpointRef> committed,
    List<Integer> resumes,
    long parameters,
    long tokensSeen,
    double tokensPerSecond,
    long trainNanos,
    List<Interruption> interruptions,
    List<Rollback> rollbacks,
    List<String> warnings,
    double goodput,
    long wallMillis,
    double stallFraction,
    double checkpointMegabytesPerSecond,
    long historyEvents,
    int continuedAsNew,
    LossCurve lossCurve,
    LedgerTotals totals) {

  /** The totals, or for a result from before they existed the counts of its (then complete) lists. */
  public LedgerTotals totalsOrCounted() {
    return totals != null ? totals : LedgerTotals.of(interruptions, rollbacks, warnings, resumes);
  }

  /** Whether {@link #committed} is the whole final line of training (else only its newest checkpoints). */
  public boolean committedIsWholeLine() {
    return lossCurve == null || committed.isEmpty() || committed.get(0).step() <= lossCurve.firstStep();
  }
}
