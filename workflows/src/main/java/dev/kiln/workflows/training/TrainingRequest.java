package dev.kiln.workflows.training;

/**
 * @param segmentSteps steps per training activity (each activity is bounded in time)
 */
public record TrainingRequest(String runId, TrainingConfig config, int segmentSteps) {}
