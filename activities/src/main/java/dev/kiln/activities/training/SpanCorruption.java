package dev.kiln.activities.training;

import dev.kiln.workflows.training.Objective;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * T5's span corruption (Raffel et al. 2020, "random_spans_noise_mask"): in a window of n tokens, 15 % of
 * them, in spans of mean length 3, are dropped. The encoder reads the window with each span replaced by its
 * own sentinel; the decoder writes each sentinel followed by the tokens it replaced, in order:
 *
 * <pre>
 * window:  The cat sat on the mat today
 * input:   The S0 sat on S1 today
 * target:  S0 cat S1 the mat
 * </pre>
 *
 * The number of noise tokens and of spans depends on n only ({@link Objective#noiseTokens}), so every input
 * and every target of a batch has the same length and needs no padding. Spans and the text between them
 * have random non-zero lengths, and the window starts with text. Sentinel i is id {@code vocab - 1 - i}
 * (T5 counts its extra ids down from the top of the vocabulary).
 */
public final class SpanCorruption implements PretrainingObjective {

  /** One window's encoder input and decoder target. */
  public record Corrupted(int[] input, int[] target) {}

  private final TokenWindows windows;
  private final int contextLength;
  private final int modelVocabSize;
  private final long seed;

  public SpanCorruption(TokenWindows windows, int contextLength, int modelVocabSize, long seed) {
    if (contextLength < Objective.minimumSpanCorruptionContext()) {
      throw new IllegalArgumentException("contextLength " + contextLength + " is shorter than span corruption needs ("
          + Objective.minimumSpanCorruptionContext() + ")");
    }
    windows.requireWindow(contextLength, "contextLength");
    this.windows = windows;
    this.contextLength = contextLength;
    this.modelVocabSize = modelVocabSize;
    this.seed = seed;
  }

  public static int sentinel(int modelVocabSize, int span) {
    return modelVocabSize - 1 - span;
  }

  public static int inputLength(int windowLength) {
    return windowLength - Objective.noiseTokens(windowLength) + Objective.spans(windowLength);
  }

  public static int targetLength(int windowLength) {
    return Objective.noiseTokens(windowLength) + Objective.spans(windowLength);
  }

  @Override
  public TrainingBatch batch(int step) {
    return corruptWindows(windows.windows(step, contextLength), windows.batchSize(), new SplittableRandom(StepSeeds.forCorruption(seed, step)));
  }

  /** Corrupts row-major windows [rows x contextLength]; also used to score held-out text the same way. */
  public TrainingBatch corruptWindows(int[] tokens, int rows, SplittableRandom random) {
    int inputLength = inputLength(contextLength);
    int targetLength = targetLength(contextLength);
    int[] inputs = new int[rows * inputLength];
    int[] targets = new int[rows * targetLength];
    int[] decoderInputs = new int[rows * targetLength];
    for (int row = 0; row < rows; row++) {
      Corrupted c = corrupt(Arrays.copyOfRange(tokens, row * contextLength, (row + 1) * contextLength), modelVocabSize, random);
      System.arraycopy(c.input(), 0, inputs, row * inputLength, inputLength);
      System.arraycopy(c.target(), 0, targets, row * targetLength, targetLength);
      // Teacher forcing: the decoder reads the target shifted right, starting from T5's start token.
      decoderInputs[row * targetLength] = TrainingBatch.PAD;
      System.arraycopy(c.target(), 0, decoderInputs, row * targetLength + 1, targetLength - 1);
    }
    return new TrainingBatch(rows, inputLength, inputs, targetLength, decoderInputs, targets);
  }

  /** Corrupts one window. */
  public static Corrupted corrupt(int[] window, int modelVocabSize, SplittableRandom random) {
    int n = window.length;
    int noise = Objective.noiseTokens(n);
    int spans = Objective.spans(n);
    int[] spanLengths = randomSegmentation(noise, spans, random);
    int[] textLengths = randomSegmentation(n - noise, spans, random);
    int[] input = new int[n - noise + spans];
    int[] target = new int[noise + spans];
    int read = 0;
    int in = 0;
    int out = 0;
    for (int span = 0; span < spans; span++) {
      System.arraycopy(window, read, input, in, textLengths[span]);
      read += textLengths[span];
      in += textLengths[span];
      int sentinel = sentinel(modelVocabSize, span);
      input[in++] = sentinel;
      target[out++] = sentinel;
      System.arraycopy(window, read, target, out, spanLengths[span]);
      read += spanLengths[span];
      out += spanLengths[span];
    }
    return new Corrupted(input, target);
  }

  /** Splits {@code items} into {@code segments} non-empty parts of random lengths (uniform over compositions). */
  private static int[] randomSegmentation(int items, int segments, SplittableRandom random) {
    // Choose segments - 1 distinct cut points among 1..items-1 by a partial Fisher-Yates shuffle.
    int[] cuts = new int[items - 1];
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = i + 1;
    }
    for (int i = 0; i < segments - 1; i++) {
      int j = random.nextInt(i, cuts.length);
      int swap = cuts[i];
      cuts[i] = cuts[j];
      cuts[j] = swap;
    }
    int[] chosen = Arrays.copyOf(cuts, segments - 1);
    Arrays.sort(chosen);
    int[] lengths = new int[segments];
    int previous = 0;
    for (int i = 0; i < chosen.length; i++) {
      lengths[i] = chosen[i] - previous;
      previous = chosen[i];
    }
    lengths[segments - 1] = items - previous;
    return lengths;
  }
}
