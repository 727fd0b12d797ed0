package dev.kiln.activities.training;

/** Next-token prediction: each window's targets are its inputs shifted left by one token. */
public final class CausalLanguageModeling implements PretrainingObjective {

  private final TokenWindows windows;
  private final int contextLength;

  public CausalLanguageModeling(TokenWindows windows, int contextLength) {
    windows.requireWindow(contextLength + 1, "contextLength + 1: inputs plus the next-token target");
    this.windows = windows;
    this.contextLength = contextLength;
  }

  @Override
  public TrainingBatch batch(int step) {
    int rows = windows.batchSize();
    int[] tokens = windows.windows(step, contextLength + 1);
    int[] inputs = new int[rows * contextLength];
    int[] targets = new int[rows * contextLength];
    for (int row = 0; row < rows; row++) {
      System.arraycopy(tokens, row * (contextLength + 1), inputs, row * contextLength, contextLength);
      System.arraycopy(tokens, row * (contextLength + 1) + 1, targets, row * contextLength, contextLength);
    }
    return TrainingBatch.of(rows, contextLength, inputs, targets);
  }
}
