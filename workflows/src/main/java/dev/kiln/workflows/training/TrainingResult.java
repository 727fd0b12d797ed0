package dev.kiln.workflows.training;

import java.util.List;

/**
 * @param committed the committed checkpoints of the final line of training, oldest first (their files may
 *     have been deleted by retention; their losses are in the run's loss log)
 * @param resumes steps at which training resumed from a checkpoint after an interruption
 * @param goodput productive training time / wall time of the training stage (operator pauses excluded)
 * @param stallFraction share of training time the loop spent on checkpoints
 * @param historyEvents workflow history events over all runs of the training workflow
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
    int continuedAsNew) {}
