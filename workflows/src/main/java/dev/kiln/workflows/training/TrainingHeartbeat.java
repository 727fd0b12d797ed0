package dev.kiln.workflows.training;

/**
 * What a training activity heartbeats: live progress for {@code kiln watch}, and the newest checkpoint it has
 * made durable, which the workflow verifies and commits if the activity dies.
 *
 * @param epochMillis when the activity sent it (the goodput ledger's "last alive")
 * @param firstStepEpochMillis when this activity's first step finished, 0 before (ends the MTTR of the
 *     interruption it resumed from, even if this activity dies later)
 */
public record TrainingHeartbeat(
    int step,
    int totalSteps,
    double loss,
    double tokensPerSecond,
    double etaSeconds,
    CheckpointRef lastCheckpoint,
    long epochMillis,
    long firstStepEpochMillis) {}
