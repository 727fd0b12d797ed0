package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Held-out loss and text generation for a {@link CausalDecoder} (a GPT or a Llama); it does not own the model. */
public final class LanguageModelEvaluator {

  private static final int WINDOWS_PER_BATCH = 16;

  private final CausalDecoder model;

  public LanguageModelEvaluator(CausalDecoder model) {
    this.model = model;
  }

  /**
   * Mean next-token cross-entropy in nats (perplexity = exp of it) over the first {@code maxTokens}
   * predictions, in non-overlapping windows of the context length: each token is predicted once, from
   * the tokens before it in its window.
   */
  public double meanLoss(int[] heldOutTokens, int maxTokens) {
    GradMode.offOnThisThread();
    int predictions = Math.min(heldOutTokens.length - 1, maxTokens);
    if (predictions < 1) {
      throw new IllegalArgumentException(
          "Need at least 2 held-out tokens and maxTokens >= 1, got " + heldOutTokens.length + " and " + maxTokens);
    }
    int context = model.shape().contextLength();
    int fullWindows = predictions / context;
    double lossSum = 0;
    for (int first = 0; first < fullWindows; first += WINDOWS_PER_BATCH) {
      int windows = Math.min(WINDOWS_PER_BATCH, fullWindows - first);
      lossSum += windowLoss(heldOutTokens, first * context, windows, context) * windows * context;
    }
    int remainder = predictions - fullWindows * context;
    if (remainder > 0) {
      lossSum += windowLoss(heldOutTokens, fullWindows * context, 1, remainder) * remainder;
    }
    return lossSum / predictions;
  }

  /**
   * The prompt followed by up to {@code maxNewTokens} generated tokens. Temperature 0 picks the most
   * likely token; otherwise tokens are sampled from softmax(logits / temperature), reproducibly from the
   * seed. The model sees at most the last context-length tokens.
   */
  public int[] generate(int[] prompt, int maxNewTokens, double temperature, long seed) {
    return generate(prompt, maxNewTokens, temperature, 0, seed);
  }

  /**
   * As {@link #generate(int[], int, double, long)}, sampling only among the {@code topK} most likely tokens
   * ({@code topK} 0: all of them), as transformers' {@code top_k} does; ties at the k-th logit are kept.
   */
  public int[] generate(int[] prompt, int maxNewTokens, double temperature, int topK, long seed) {
    GradMode.offOnThisThread();
    if (topK < 0) {
      throw new IllegalArgumentException("top-k must be >= 0 (0: no limit), got " + topK);
    }
    if (prompt.length == 0) {
      throw new IllegalArgumentException("The prompt must hold at least one token");
    }
    if (temperature < 0) {
      throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
    }
    SplittableRandom random = new SplittableRandom(seed);
    int[] sequence = Arrays.copyOf(prompt, prompt.length + maxNewTokens);
    int context = model.shape().contextLength();
    for (int length = prompt.length; length < sequence.length; length++) {
      int start = Math.max(0, length - context);
      int[] window = Arrays.copyOfRange(sequence, start, length);
      float[] logits;
      try (NDManager scratch = model.newStepManager()) {
        NDArray all = model.forward(TrainingBatch.tokenArray(scratch, window, 1, window.length), false);
        logits = all.get(0, window.length - 1).toFloatArray();
      }
      sequence[length] = temperature == 0 ? argmax(logits) : sample(topK(logits, topK), temperature, random);
    }
    return sequence;
  }

  private double windowLoss(int[] tokens, int offset, int windows, int length) {
    int[] inputs = new int[windows * length];
    int[] targets = new int[windows * length];
    for (int w = 0; w < windows; w++) {
      System.arraycopy(tokens, offset + w * length, inputs, w * length, length);
      System.arraycopy(tokens, offset + w * length + 1, targets, w * length, length);
    }
    try (NDManager scratch = model.newStepManager()) {
      TrainingBatch batch = TrainingBatch.of(windows, length, inputs, targets);
      return model.loss(scratch, batch, false).getFloat();
    }
  }

  private static int argmax(float[] logits) {
    int best = 0;
    for (int i = 1; i < logits.length; i++) {
      if (logits[i] > logits[best]) {
        best = i;
      }
    }
    return best;
  }

  /** The logits with every one below the k-th largest set to -infinity (k 0 or >= the vocabulary: unchanged). */
  static float[] topK(float[] logits, int k) {
    if (k == 0 || k >= logits.length) {
      return logits;
    }
    float[] sorted = logits.clone();
    Arrays.sort(sorted);
    float kth = sorted[sorted.length - k];
    float[] kept = logits.clone();
    for (int i = 0; i < kept.length; i++) {
      if (kept[i] < kth) {
        kept[i] = Float.NEGATIVE_INFINITY;
      }
    }
    return kept;
  }

  private static int sample(float[] logits, double temperature, SplittableRandom random) {
    double max = logits[argmax(logits)];
    double[] weights = new double[logits.length];
    double total = 0;
    for (int i = 0; i < logits.length; i++) {
      // Subtracting the max keeps exp() from overflowing; it cancels in the normalisation.
      weights[i] = Math.exp((logits[i] - max) / temperature);
      total += weights[i];
    }
    double threshold = random.nextDouble() * total;
    for (int i = 0; i < weights.length; i++) {
      threshold -= weights[i];
      if (threshold < 0) {
        return i;
      }
    }
    return weights.length - 1;
  }
}
