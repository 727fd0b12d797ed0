package dev.kiln.activities.curation.quality;

import java.util.List;

/**
 * The JSON beside a quality classifier's weights: how it was trained and how well it did on held-out documents,
 * against the Gopher quality rules on the same held-out set.
 *
 * @param positiveSources where the positive (reference) documents came from
 * @param negativeSources where the negative (random raw) documents came from
 * @param trainPositives page-size chunks of the training documents used as positive examples (after balancing)
 * @param heldOutDocuments whole documents held out (all their chunks are held out, none trained on)
 * @param lossPerEpoch mean logistic loss of each pass over the training examples
 * @param heldOut the classifier at score 0.5 on the held-out chunks
 * @param heldOutAtBaselineRecall the classifier at the threshold that gives the baseline's recall
 * @param baseline the Gopher quality rules (Gopher's published thresholds, English stop words) on the same chunks
 * @param rawScoreQuantiles the score at every percentile 0..100 over all negative (raw) chunks, train and held out:
 *     {@code keepFraction f} keeps documents scoring at least the (1-f) quantile
 */
public record QualityModelInfo(
    String format,
    int buckets,
    int dim,
    int maxWords,
    int wordNgrams,
    int chunkWords,
    int epochs,
    double learningRate,
    long seed,
    double heldOutFraction,
    List<String> positiveSources,
    List<String> negativeSources,
    int trainPositives,
    int trainNegatives,
    int heldOutPositives,
    int heldOutNegatives,
    int heldOutDocuments,
    List<Double> lossPerEpoch,
    Evaluation heldOut,
    Evaluation heldOutAtBaselineRecall,
    Evaluation baseline,
    List<Double> rawScoreQuantiles) {

  public static final String FORMAT = "kiln-quality-classifier/1";

  /** Decisions on the held-out chunks: keep when the score is at least {@code threshold} (NaN for rules). */
  public record Evaluation(String name, double threshold, BinaryMetrics metrics, double auc) {}

  /** The score that {@code keepFraction} of the raw sample reached, interpolating between percentiles. */
  public double thresholdForKeepFraction(double keepFraction) {
    double position = (1 - keepFraction) * (rawScoreQuantiles.size() - 1);
    int low = (int) Math.floor(position);
    int high = Math.min(rawScoreQuantiles.size() - 1, low + 1);
    double weight = position - low;
    return rawScoreQuantiles.get(low) * (1 - weight) + rawScoreQuantiles.get(high) * weight;
  }
}
