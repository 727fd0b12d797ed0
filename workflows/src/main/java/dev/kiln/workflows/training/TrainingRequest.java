package dev.kiln.workflows.training;

import dev.kiln.workflows.spec.RunSpec;

/**
 * @param segmentSteps steps per training activity at most (each activity is bounded in time too)
 * @param resilience checkpointing, rollback and failure-detection policy, defaults filled in
 * @param state where a previous run of this workflow stopped when it continued as new; null at the start
 */
public record TrainingRequest(
    String runId, TrainingConfig config, int segmentSteps, RunSpec.Resilience resilience, TrainingState state) {}
