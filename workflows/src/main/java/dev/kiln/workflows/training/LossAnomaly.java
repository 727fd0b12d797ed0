package dev.kiln.workflows.training;

/**
 * A step whose loss the spike policy rejected; the step's update was not applied.
 *
 * @param dataIndex the data index of the step's batch (see {@link DataSkip#dataIndex})
 * @param movingAverage the mean of the window of losses before it (NaN if the window was not full)
 * @param reason e.g. "loss 9.1 > 3.0 x moving average 0.42" or "loss is NaN"
 */
public record LossAnomaly(int step, long dataIndex, double loss, double movingAverage, String reason) {}
