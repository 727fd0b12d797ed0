package dev.kiln.workflows.training;

import java.util.List;

/**
 * The training workflow's own record, carried across continue-as-new.
 *
 * @param committed every checkpoint committed on the current line of training, oldest first (a rollback cuts
 *     it back); its losses make the loss curve
 * @param retained the committed checkpoints still in storage (see {@link Retention}); resume uses the newest
 * @param warnings checkpoints rejected by verification and other things an operator should know
 * @param productiveNanos training time of steps that were kept (goodput's numerator)
 * @param startedEpochMillis when training started (goodput's wall clock starts here)
 * @param pausedMillis time paused by an operator (not counted against goodput)
 * @param tokensTrained tokens the finished activities trained on, lost steps included (for tokens/s)
 * @param lossCurve the loss curve of the line of training (null in a record written before it was carried)
 * @param totals counts over the whole run, of which the lists hold the newest entries (null: as for lossCurve)
 *
 * <p>Every list is bounded (see {@link TrainingRun#MILESTONES_CARRIED} and the limits next to it), so what a run
 * carries does not grow with its steps or its interruptions. Fields are only ever added, so that a record a run in
 * flight carries still reads.
 */
public record TrainingState(
    List<CheckpointRef> committed,
    List<CheckpointRef> retained,
    int generation,
    List<DataSkip> skips,
    List<LearningRateOverride> learningRates,
    List<Interruption> interruptions,
    List<Rollback> rollbacks,
    List<String> warnings,
    List<Integer> resumes,
    long productiveNanos,
    long trainNanos,
    long tokensTrained,
    long stallNanos,
    long uploadedBytes,
    long uploadNanos,
    long startedEpochMillis,
    long pausedMillis,
    int segments,
    int continuedAsNew,
    long historyEvents,
    LossCurve lossCurve,
    LedgerTotals totals) {}
