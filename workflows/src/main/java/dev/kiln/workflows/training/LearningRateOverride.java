package dev.kiln.workflows.training;

/**
 * An operator's "set the learning rate": from {@code fromStep} on, the schedule is scaled so that the rate at
 * {@code fromStep} is {@code learningRate}; warm-up and decay keep their shape from there.
 */
public record LearningRateOverride(int fromStep, double learningRate) {}
