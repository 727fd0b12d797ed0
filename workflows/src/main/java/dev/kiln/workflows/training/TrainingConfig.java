package dev.kiln.workflows.training;

import dev.kiln.workflows.scope.ModelShape;

/**
 * Everything the trainer needs, resolved from the RunSpec, the scope plan and curation's outputs.
 * Its {@link #hash()} goes into every checkpoint so a resume never mixes configurations.
 */
public record TrainingConfig(
    ModelShape shape,
    Objective objective,
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

  /** SHA-256 of the config's canonical text, in hex: what checkpoint manifests record. */
  public String hash() {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
          .digest(toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /**
   * The 32-bit {@code hashCode} that checkpoints written before {@link #hash()} became SHA-256 carry: still accepted
   * on load and at commit, so a run in flight across the upgrade keeps its checkpoints.
   */
  public String legacyHash() {
    return Integer.toHexString(toString().hashCode());
  }

  public long tokensPerStep() {
    return (long) batchSize * shape.contextLength();
  }
}
