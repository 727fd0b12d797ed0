package dev.kiln.workflows.training;

import java.util.List;

/**
 * Train from {@code resumeFrom} (from scratch or the initial weights if null) towards {@code endStep}. The
 * activity stops early at the first checkpoint after {@code maxSeconds}, at a rejected loss (see {@link
 * SegmentResult#anomaly()}), or when the workflow cancels it (an operator's pause or rollback), writing a
 * checkpoint of where it stopped.
 *
 * @param generation goes into checkpoint keys: it grows at every rollback, so a new line of training never
 *     collides with checkpoints of the abandoned one
 * @param skips data windows never to train on (see {@link DataSkip#dataIndex})
 * @param lossSpikeFactor 0 turns spike detection off; non-finite losses are always rejected
 * @param segment the workflow run's number for this segment; the activity puts it into each {@link
 *     TrainingWorkflow#checkpointDurable} report, so the workflow takes reports from the segment it runs only
 */
public record SegmentRequest(
    String runId,
    TrainingConfig config,
    CheckpointRef resumeFrom,
    int endStep,
    int generation,
    List<DataSkip> skips,
    List<LearningRateOverride> learningRates,
    double lossSpikeFactor,
    int lossSpikeWindow,
    boolean asyncCheckpoints,
    int maxSeconds,
    int segment) {}
