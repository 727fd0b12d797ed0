package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Held-out scores of an MLM encoder ({@link EncoderModel} or {@link BertModel}): masked-token accuracy and loss
 * under the training objective's own masking, and pseudo-perplexity (Salazar et al. 2020: mask each token alone,
 * score it from both sides), each next to what a context-free unigram model gets on the same tokens.
 */
public final class MaskedLanguageModelEvaluator {

  private static final int WINDOWS_PER_BATCH = 16;

  /**
   * @param maskedAccuracy share of selected tokens the model's top guess restores
   * @param mostFrequentAccuracy the same for always guessing the most frequent training token
   * @param pseudoPerplexity exp of the mean -log p(token | all other tokens)
   * @param unigramPerplexity the unigram model's perplexity on the same tokens (its pseudo-perplexity too)
   */
  public record Scores(
      double maskedLoss, double maskedAccuracy, double mostFrequentAccuracy, int maskedTokens,
      double pseudoPerplexity, double unigramPerplexity, int pseudoTokens) {}

  private final TransformerModel model;
  private final UnigramBaseline baseline;
  private final Runnable progress;

  /** @param progress called after each batch, e.g. to heartbeat a long evaluation */
  public MaskedLanguageModelEvaluator(TransformerModel model, UnigramBaseline baseline, Runnable progress) {
    this.model = model;
    this.baseline = baseline;
    this.progress = progress;
  }

  /**
   * @param maxTokens held-out tokens to mask and score, in non-overlapping windows of the context length
   * @param pseudoTokens how many of them to score one at a time (one forward row per token, so costly), in
   *     windows spread evenly over the held-out tokens
   */
  public Scores evaluate(int[] heldOut, int maxTokens, int pseudoTokens, long seed) {
    int context = model.shape().contextLength();
    int windows = Math.min(heldOut.length, maxTokens) / context;
    if (windows < 1) {
      throw new IllegalArgumentException("Need at least one window of " + context + " held-out tokens, got " + heldOut.length);
    }
    MaskedLanguageModeling masking =
        new MaskedLanguageModeling(new TokenWindows(heldOut, 1, seed), context, model.shape().vocabSize(), seed);
    SplittableRandom random = new SplittableRandom(seed);
    double lossSum = 0;
    int correct = 0;
    int mostFrequentCorrect = 0;
    int masked = 0;
    for (int first = 0; first < windows; first += WINDOWS_PER_BATCH) {
      int rows = Math.min(WINDOWS_PER_BATCH, windows - first);
      TrainingBatch batch = masking.mask(
          Arrays.copyOfRange(heldOut, first * context, (first + rows) * context), rows, random);
      try (NDManager scratch = model.newStepManager()) {
        NDArray logProbabilities = model.logits(scratch, batch, false).logSoftmax(-1);
        long[] predicted = logProbabilities.argMax(-1).toLongArray();
        float[] targetLogProbabilities = atTargets(scratch, logProbabilities, batch.targets());
        for (int i = 0; i < batch.targets().length; i++) {
          int target = batch.targets()[i];
          if (target != TrainingBatch.IGNORED) {
            masked++;
            lossSum -= targetLogProbabilities[i];
            correct += predicted[i] == target ? 1 : 0;
            mostFrequentCorrect += baseline.mostFrequentToken() == target ? 1 : 0;
          }
        }
      }
      progress.run();
    }
    int[] pseudo = spreadWindows(heldOut, windows, Math.max(1, Math.min(pseudoTokens, windows * context) / context), context);
    int scored = pseudo.length;
    double pseudoLoss = pseudoLogLoss(pseudo, scored, context);
    double unigramLoss = baseline.meanLoss(pseudo);
    return new Scores(lossSum / masked, (double) correct / masked, (double) mostFrequentCorrect / masked, masked,
        Math.exp(pseudoLoss), Math.exp(unigramLoss), scored);
  }

  /**
   * {@code count} of the {@code windows} non-overlapping windows, evenly spaced, concatenated: pseudo-perplexity
   * reads every part of the held-out split (the first few hundred tokens are one document, a noisy sample).
   */
  static int[] spreadWindows(int[] heldOut, int windows, int count, int context) {
    int[] tokens = new int[count * context];
    for (int i = 0; i < count; i++) {
      int window = (int) ((long) i * windows / count);
      System.arraycopy(heldOut, window * context, tokens, i * context, context);
    }
    return tokens;
  }

  /** Mean -log p(token) over the first {@code tokens} tokens, each masked alone in its window. */
  private double pseudoLogLoss(int[] heldOut, int tokens, int context) {
    int maskToken = MaskedLanguageModeling.maskToken(model.shape().vocabSize());
    double sum = 0;
    for (int start = 0; start < tokens; start += context) {
      int rows = Math.min(context, tokens - start); // row r masks position r of the window
      int[] inputs = new int[rows * context];
      int[] targets = new int[rows * context];
      Arrays.fill(targets, TrainingBatch.IGNORED);
      for (int r = 0; r < rows; r++) {
        System.arraycopy(heldOut, start, inputs, r * context, context);
        inputs[r * context + r] = maskToken;
        targets[r * context + r] = heldOut[start + r];
      }
      try (NDManager scratch = model.newStepManager()) {
        TrainingBatch batch = TrainingBatch.of(rows, context, inputs, targets);
        float[] logProbabilities = atTargets(scratch, model.logits(scratch, batch, false).logSoftmax(-1), targets);
        for (int r = 0; r < rows; r++) {
          sum -= logProbabilities[r * context + r];
        }
      }
      progress.run();
    }
    return sum / tokens;
  }

  /** log p(target) at every position (0 where the target is IGNORED). */
  static float[] atTargets(NDManager scratch, NDArray logProbabilities, int[] targets) {
    long vocab = logProbabilities.getShape().get(logProbabilities.getShape().dimension() - 1);
    long[] ids = new long[targets.length];
    for (int i = 0; i < targets.length; i++) {
      ids[i] = Math.max(targets[i], 0);
    }
    return logProbabilities.reshape(-1, vocab).gather(scratch.create(ids, new Shape(ids.length, 1)), 1).toFloatArray();
  }
}
