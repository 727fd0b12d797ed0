package dev.kiln.workflows.training;

import java.util.List;

/**
 * @param resumes steps at which an activity attempt resumed from a checkpoint after a failure
 */
public record TrainingResult(
    CheckpointRef finalCheckpoint,
    List<CheckpointRef> committed,
    List<Integer> resumes,
    long parameters,
    long tokensSeen,
    double tokensPerSecond,
    long trainNanos) {}
