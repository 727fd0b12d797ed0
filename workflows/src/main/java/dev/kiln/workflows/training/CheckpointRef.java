package dev.kiln.workflows.training;

/**
 * A checkpoint whose files and manifest are durable in S3. Only this pointer travels through history.
 *
 * @param prefix S3 prefix of the checkpoint, e.g. {@code runs/r1/checkpoints/step-000200/}
 * @param step the number of optimizer steps taken when it was written
 * @param trainLoss mean training loss over the steps since the previous checkpoint
 */
public record CheckpointRef(String prefix, int step, double trainLoss) {}
