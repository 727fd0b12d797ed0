package dev.kiln.workflows.training;

import java.util.List;

/**
 * What a training activity did. Its checkpoints are durable but not yet committed: the workflow verifies them.
 *
 * @param checkpoints checkpoints written by this activity, oldest first (empty if it wrote none)
 * @param resumedFromStep the step this activity started at
 * @param endStep the step it stopped at
 * @param firstStepEpochMillis when its first step finished (0 if it took none)
 * @param stallNanos time the training loop spent on checkpoints (snapshot, and waiting for a previous upload)
 * @param uploadedBytes checkpoint bytes written to storage
 * @param uploadNanos time spent writing them (in the background when asynchronous)
 * @param anomaly the loss the spike policy rejected, or null
 * @param stoppedBy "end" (reached endStep), "time" (maxSeconds), "cancel" (the workflow asked) or "anomaly"
 */
public record SegmentResult(
    List<CheckpointRef> checkpoints,
    int resumedFromStep,
    int endStep,
    int attempt,
    double tokensPerSecond,
    long trainNanos,
    long firstStepEpochMillis,
    long stallNanos,
    long uploadedBytes,
    long uploadNanos,
    LossAnomaly anomaly,
    String stoppedBy) {}
