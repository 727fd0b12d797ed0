package dev.kiln.activities.training;

import java.util.SplittableRandom;

/**
 * Samples training batches of random windows from a token stream. The windows of a step are a pure
 * function of (seed, step), so a resumed run sees exactly the data the uninterrupted run would have seen.
 */
public final class TokenBatcher {

  /**
   * Row-major [batchSize x contextLength] token ids; {@code targets[i]} is the token that follows
   * {@code inputs[i]} in the stream.
   */
  public record Batch(int batchSize, int contextLength, int[] inputs, int[] targets) {}

  private final int[] tokens;
  private final int contextLength;
  private final int batchSize;
  private final long seed;

  public TokenBatcher(int[] tokens, int contextLength, int batchSize, long seed) {
    if (contextLength < 1 || batchSize < 1) {
      throw new IllegalArgumentException(
          "contextLength and batchSize must be positive, got " + contextLength + " and " + batchSize);
    }
    if (tokens.length < contextLength + 1) {
      throw new IllegalArgumentException(
          "The training stream has " + tokens.length + " tokens; a window needs contextLength + 1 = "
              + (contextLength + 1) + " (inputs plus the next-token target)");
    }
    this.tokens = tokens;
    this.contextLength = contextLength;
    this.batchSize = batchSize;
    this.seed = seed;
  }

  public Batch batch(int step) {
    SplittableRandom random = new SplittableRandom(StepSeeds.forData(seed, step));
    int[] inputs = new int[batchSize * contextLength];
    int[] targets = new int[batchSize * contextLength];
    int windowStarts = tokens.length - contextLength;
    for (int row = 0; row < batchSize; row++) {
      int offset = random.nextInt(windowStarts);
      System.arraycopy(tokens, offset, inputs, row * contextLength, contextLength);
      System.arraycopy(tokens, offset + 1, targets, row * contextLength, contextLength);
    }
    return new Batch(batchSize, contextLength, inputs, targets);
  }
}
