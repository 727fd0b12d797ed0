package dev.kiln.workflows.training;

/**
 * What a training activity heartbeats: live progress for {@code kiln watch}, and the last durable
 * checkpoint so a retried attempt resumes from it.
 */
public record TrainingHeartbeat(
    int step,
    int totalSteps,
    double loss,
    double tokensPerSecond,
    double etaSeconds,
    CheckpointRef lastCheckpoint) {}
