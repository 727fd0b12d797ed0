package dev.kiln.activities.training;

import java.util.SplittableRandom;

/**
 * Samples random windows from a token stream. The windows of a step are a pure function of (seed, step), so
 * a resumed run sees exactly the data the uninterrupted run would have seen.
 */
public final class TokenWindows {

  private final int[] tokens;
  private final int batchSize;
  private final long seed;

  public TokenWindows(int[] tokens, int batchSize, long seed) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
    }
    this.tokens = tokens;
    this.batchSize = batchSize;
    this.seed = seed;
  }

  public int batchSize() {
    return batchSize;
  }

  /** Throws unless the stream holds at least one window of {@code length} tokens; {@code why} says what needs it. */
  public void requireWindow(int length, String why) {
    if (length < 1 || tokens.length < length) {
      throw new IllegalArgumentException(
          "The training stream has " + tokens.length + " tokens; a window needs " + length + " (" + why + ")");
    }
  }

  /** Row-major [batchSize x length] tokens: batchSize windows at random offsets. */
  public int[] windows(int step, int length) {
    requireWindow(length, "window length");
    SplittableRandom random = new SplittableRandom(StepSeeds.forData(seed, step));
    int[] rows = new int[batchSize * length];
    int windowStarts = tokens.length - length + 1;
    for (int row = 0; row < batchSize; row++) {
      System.arraycopy(tokens, random.nextInt(windowStarts), rows, row * length, length);
    }
    return rows;
  }
}
