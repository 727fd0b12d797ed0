package dev.kiln.workflows.training;

/**
 * Train from {@code resumeFrom} (or from scratch / initial weights if null) up to {@code endStep}.
 * A retried attempt resumes from the newest checkpoint it heartbeated, not from {@code resumeFrom}.
 */
public record SegmentRequest(String runId, TrainingConfig config, CheckpointRef resumeFrom, int endStep) {}
