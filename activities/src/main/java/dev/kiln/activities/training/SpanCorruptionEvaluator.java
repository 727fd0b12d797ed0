package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.kiln.workflows.training.Objective;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Held-out scores of an {@link EncoderDecoderModel} on span corruption: the teacher-forced loss on the
 * targets, and the share of dropped spans that greedy decoding writes back exactly. The baseline knows where
 * each sentinel goes (it costs it nothing) and predicts span tokens by their training frequency; its exact
 * match guesses every span as the single most frequent token.
 */
public final class SpanCorruptionEvaluator {

  private static final int WINDOWS_PER_BATCH = 16;

  public record Scores(
      double loss, double baselineLoss, int targetTokens, double exactMatch, double baselineExactMatch, int spans) {}

  private final EncoderDecoderModel model;
  private final UnigramBaseline baseline;
  private final Runnable progress;

  /** @param progress called after each batch, e.g. to heartbeat a long evaluation */
  public SpanCorruptionEvaluator(EncoderDecoderModel model, UnigramBaseline baseline, Runnable progress) {
    this.model = model;
    this.baseline = baseline;
    this.progress = progress;
  }

  /**
   * @param maxTokens held-out tokens to corrupt and score, in non-overlapping windows of the context length
   * @param decodedWindows how many of those windows to decode greedily for exact match
   */
  public Scores evaluate(int[] heldOut, int maxTokens, int decodedWindows, long seed) {
    int context = model.shape().contextLength();
    int vocab = model.shape().vocabSize();
    int windows = Math.min(heldOut.length, maxTokens) / context;
    if (windows < 1) {
      throw new IllegalArgumentException("Need at least one window of " + context + " held-out tokens, got " + heldOut.length);
    }
    SpanCorruption corruption = new SpanCorruption(new TokenWindows(heldOut, 1, seed), context, vocab, seed);
    SplittableRandom random = new SplittableRandom(seed);
    int firstSentinel = vocab - Objective.SPAN_CORRUPTION.reservedTokens(context); // the lowest sentinel id
    double lossSum = 0;
    double baselineSum = 0;
    int targets = 0;
    int spans = 0;
    int matched = 0;
    int baselineMatched = 0;
    for (int first = 0; first < windows; first += WINDOWS_PER_BATCH) {
      int rows = Math.min(WINDOWS_PER_BATCH, windows - first);
      TrainingBatch batch = corruption.corruptWindows(
          Arrays.copyOfRange(heldOut, first * context, (first + rows) * context), rows, random);
      try (NDManager scratch = model.newStepManager()) {
        lossSum += model.loss(scratch, batch, false).getFloat() * batch.targets().length;
      }
      targets += batch.targets().length;
      for (int target : batch.targets()) {
        baselineSum -= target >= firstSentinel ? 0 : baseline.logProbability(target);
      }
      if (first < decodedWindows) {
        int decodedRows = Math.min(rows, decodedWindows - first);
        int[] decoded = greedyDecode(batch, decodedRows);
        for (int row = 0; row < decodedRows; row++) {
          int length = batch.decoderLength();
          List<int[]> truth = spansOf(Arrays.copyOfRange(batch.targets(), row * length, (row + 1) * length), firstSentinel);
          List<int[]> guess = spansOf(Arrays.copyOfRange(decoded, row * length, (row + 1) * length), firstSentinel);
          for (int s = 0; s < truth.size(); s++) {
            spans++;
            matched += s < guess.size() && Arrays.equals(truth.get(s), guess.get(s)) ? 1 : 0;
            baselineMatched += Arrays.equals(truth.get(s), new int[] {baseline.mostFrequentToken()}) ? 1 : 0;
          }
        }
      }
      progress.run();
    }
    return new Scores(lossSum / targets, baselineSum / targets, targets,
        spans == 0 ? 0 : (double) matched / spans, spans == 0 ? 0 : (double) baselineMatched / spans, spans);
  }

  /** Greedy decoding of the first {@code rows} rows, target length tokens each (no early stop: lengths are fixed). */
  private int[] greedyDecode(TrainingBatch batch, int rows) {
    int length = batch.decoderLength();
    int[] inputs = Arrays.copyOf(batch.inputs(), rows * batch.inputLength());
    int[] written = new int[rows * (length + 1)];
    for (int row = 0; row < rows; row++) {
      written[row * (length + 1)] = TrainingBatch.PAD;
    }
    try (NDManager scratch = model.newStepManager()) {
      NDArray padding = AttentionMasks.padding(scratch, inputs, rows, batch.inputLength());
      NDArray memory = model.encode(TrainingBatch.tokenArray(scratch, inputs, rows, batch.inputLength()), padding, false);
      for (int t = 1; t <= length; t++) {
        int[] prefix = new int[rows * t];
        for (int row = 0; row < rows; row++) {
          System.arraycopy(written, row * (length + 1), prefix, row * t, t);
        }
        try (NDManager step = scratch.newSubManager()) {
          NDArray logits = model.decode(TrainingBatch.tokenArray(step, prefix, rows, t), memory, padding, false);
          long[] next = logits.get(":, -1, :").argMax(-1).toLongArray();
          for (int row = 0; row < rows; row++) {
            written[row * (length + 1) + t] = (int) next[row];
          }
        }
      }
    }
    int[] decoded = new int[rows * length];
    for (int row = 0; row < rows; row++) {
      System.arraycopy(written, row * (length + 1) + 1, decoded, row * length, length);
    }
    return decoded;
  }

  /** The spans of a target in sentinel order: span i is what follows sentinel i up to the next sentinel. */
  static List<int[]> spansOf(int[] target, int firstSentinel) {
    List<int[]> spans = new ArrayList<>();
    int start = -1;
    for (int i = 0; i <= target.length; i++) {
      boolean boundary = i == target.length || target[i] >= firstSentinel;
      if (boundary) {
        if (start >= 0) {
          spans.add(Arrays.copyOfRange(target, start, i));
        }
        start = i + 1;
      }
    }
    return spans;
  }
}
