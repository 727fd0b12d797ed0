package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.kiln.workflows.training.Objective;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Held-out scores of an encoder-decoder ({@link Seq2SeqModel}) on span corruption: the teacher-forced loss on the
 * targets, and the share of dropped spans that greedy decoding writes back exactly.
 *
 * <p>The baseline is the best predictor that does not read the input: span tokens by their training
 * frequency (unigram), and the span structure (where each span ends, hence where each sentinel goes) from its
 * exact distribution: every split of a window's noise tokens into its spans is equally likely, so the
 * structure costs it ln C(noise - 1, spans - 1) nats per window, which no model can beat either. (Handing the
 * baseline the structure for free instead, as this evaluator first did, charged the model ~0.28 nats per target
 * token that the baseline never paid.) Span-content scores compare the two with the structure given to both:
 * the model's probabilities renormalised over non-sentinel tokens, on the span tokens only. The baseline's
 * exact match guesses every span as the single most frequent token.
 */
public final class SpanCorruptionEvaluator {

  private static final int WINDOWS_PER_BATCH = 16;

  /**
   * @param loss the model's mean -log p over every target token, sentinels included (it must also say where
   *     each span ends), teacher-forced
   * @param baselineLoss the baseline's over the same targets: unigram span tokens plus the span structure's
   *     exact entropy
   * @param contentLoss the model's mean -log p over the span tokens only, each renormalised over the
   *     non-sentinel tokens: told the span structure too, so it answers the baseline's question exactly
   * @param baselineContentLoss the unigram's over the same span tokens
   */
  public record Scores(
      double loss, double baselineLoss, int targetTokens, double exactMatch, double baselineExactMatch, int spans,
      double contentLoss, double baselineContentLoss, int contentTokens) {}

  private final Seq2SeqModel model;
  private final UnigramBaseline baseline;
  private final Runnable progress;

  /** @param progress called after each batch, e.g. to heartbeat a long evaluation */
  public SpanCorruptionEvaluator(Seq2SeqModel model, UnigramBaseline baseline, Runnable progress) {
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
    double contentSum = 0;
    double structureSum = 0;
    int contentTokens = 0;
    int targets = 0;
    int spans = 0;
    int matched = 0;
    int baselineMatched = 0;
    for (int first = 0; first < windows; first += WINDOWS_PER_BATCH) {
      int rows = Math.min(WINDOWS_PER_BATCH, windows - first);
      TrainingBatch batch = corruption.corruptWindows(
          Arrays.copyOfRange(heldOut, first * context, (first + rows) * context), rows, random);
      float[] logProbabilities;
      try (NDManager scratch = model.newStepManager()) {
        logProbabilities = model.logits(scratch, batch, false).logSoftmax(-1).toFloatArray();
      }
      for (int i = 0; i < batch.targets().length; i++) {
        int target = batch.targets()[i];
        int row = i * vocab;
        lossSum -= logProbabilities[row + target];
        if (target < firstSentinel) {
          double sentinelMass = 0;
          for (int sentinel = firstSentinel; sentinel < vocab; sentinel++) {
            sentinelMass += Math.exp(logProbabilities[row + sentinel]);
          }
          contentSum -= logProbabilities[row + target] - Math.log(Math.max(1e-30, 1 - sentinelMass));
          baselineSum -= baseline.logProbability(target);
          contentTokens++;
        }
      }
      targets += batch.targets().length;
      structureSum += rows * structureEntropy(context);
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
    return new Scores(lossSum / targets, (baselineSum + structureSum) / targets, targets,
        spans == 0 ? 0 : (double) matched / spans, spans == 0 ? 0 : (double) baselineMatched / spans, spans,
        contentSum / contentTokens, baselineSum / contentTokens, contentTokens);
  }

  /**
   * Nats a window's span structure carries: {@link SpanCorruption} splits its noise tokens into non-empty spans
   * uniformly over the C(noise - 1, spans - 1) ways, and the target's sentinels and span ends reveal which.
   */
  static double structureEntropy(int windowLength) {
    int n = Objective.noiseTokens(windowLength) - 1;
    int k = Objective.spans(windowLength) - 1;
    double lnBinomial = 0;
    for (int i = 1; i <= k; i++) {
      lnBinomial += Math.log(n - k + i) - Math.log(i);
    }
    return lnBinomial;
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
