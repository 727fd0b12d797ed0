package dev.kiln.workflows.training;

import dev.kiln.workflows.scope.ModelShape;

/**
 * Everything the trainer needs, resolved from the RunSpec, the scope plan and curation's outputs.
 * Its {@link #hash()} goes into every checkpoint so a resume never mixes configurations.
 */
public record TrainingConfig(
    ModelShape shape,
    String objective,
    int batchSize,
    int steps,
    double learningRate,
    double minLearningRate,
    int warmupSteps,
    double weightDecay,
    double gradClip,
    double dropout,
    long seed,
    int checkpointEvery,
    String device,
    String manifestKey,
    String initWeightsKey) {

  public String hash() {
    return Integer.toHexString(toString().hashCode());
  }

  public long tokensPerStep() {
    return (long) batchSize * shape.contextLength();
  }
}
