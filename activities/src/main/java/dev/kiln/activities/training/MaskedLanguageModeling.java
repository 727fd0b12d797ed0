package dev.kiln.activities.training;

import dev.kiln.workflows.training.Objective;
import java.util.SplittableRandom;

/**
 * BERT's masked language modeling: each token is selected with probability 15 %; a selected token becomes
 * [MASK] 80 % of the time, a random token 10 % and stays unchanged 10 % (so the model cannot rely on [MASK]
 * marking every position it is asked about). The loss is taken on the selected positions only.
 *
 * <p>[MASK] is the last id of the model's vocabulary, reserved after the tokenizer's ids.
 */
public final class MaskedLanguageModeling implements PretrainingObjective {

  static final double MASK_SHARE = 0.8;
  static final double RANDOM_SHARE = 0.1;
  /** Random replacements skip {@code <|endoftext|>} and {@code <|pad|>}. */
  private static final int FIRST_TEXT_TOKEN = 2;

  private final TokenWindows windows;
  private final int contextLength;
  private final int maskToken;
  private final long seed;

  public MaskedLanguageModeling(TokenWindows windows, int contextLength, int modelVocabSize, long seed) {
    windows.requireWindow(contextLength, "contextLength");
    this.windows = windows;
    this.contextLength = contextLength;
    this.maskToken = maskToken(modelVocabSize);
    this.seed = seed;
  }

  public static int maskToken(int modelVocabSize) {
    return modelVocabSize - 1;
  }

  @Override
  public TrainingBatch batch(int step) {
    return mask(windows.windows(step, contextLength), windows.batchSize(), new SplittableRandom(StepSeeds.forCorruption(seed, step)));
  }

  /** Masks row-major windows [rows x contextLength]; also used to score held-out text the same way. */
  public TrainingBatch mask(int[] tokens, int rows, SplittableRandom random) {
    int[] inputs = tokens.clone();
    int[] targets = new int[tokens.length];
    for (int row = 0; row < rows; row++) {
      boolean anySelected = false;
      for (int t = row * contextLength; t < (row + 1) * contextLength; t++) {
        boolean selected = random.nextDouble() < Objective.MLM_SELECTION_RATE;
        targets[t] = selected ? tokens[t] : TrainingBatch.IGNORED;
        if (selected) {
          corrupt(inputs, t, random);
          anySelected = true;
        }
      }
      if (!anySelected) { // a short row can draw no selection; every row should teach something
        int t = row * contextLength + random.nextInt(contextLength);
        targets[t] = tokens[t];
        corrupt(inputs, t, random);
      }
    }
    return TrainingBatch.of(rows, contextLength, inputs, targets);
  }

  private void corrupt(int[] inputs, int position, SplittableRandom random) {
    double share = random.nextDouble();
    if (share < MASK_SHARE) {
      inputs[position] = maskToken;
    } else if (share < MASK_SHARE + RANDOM_SHARE) {
      inputs[position] = random.nextInt(FIRST_TEXT_TOKEN, maskToken);
    }
  }
}
