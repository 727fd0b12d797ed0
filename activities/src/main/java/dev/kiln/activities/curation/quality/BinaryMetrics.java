package dev.kiln.activities.curation.quality;

import java.util.Arrays;

/**
 * Precision, recall and F1 of "keep" decisions against labels (positive = should be kept), with the numbers behind
 * them; and the area under the ROC curve of scores.
 */
public record BinaryMetrics(long truePositives, long falsePositives, long falseNegatives, long trueNegatives,
    double precision, double recall, double f1) {

  public static BinaryMetrics of(boolean[] kept, boolean[] positive) {
    long tp = 0, fp = 0, fn = 0, tn = 0;
    for (int i = 0; i < kept.length; i++) {
      if (kept[i] && positive[i]) {
        tp++;
      } else if (kept[i]) {
        fp++;
      } else if (positive[i]) {
        fn++;
      } else {
        tn++;
      }
    }
    double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
    double recall = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
    double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    return new BinaryMetrics(tp, fp, fn, tn, precision, recall, f1);
  }

  public static BinaryMetrics atThreshold(double[] scores, boolean[] positive, double threshold) {
    boolean[] kept = new boolean[scores.length];
    for (int i = 0; i < scores.length; i++) {
      kept[i] = scores[i] >= threshold;
    }
    return of(kept, positive);
  }

  /**
   * The highest threshold whose recall reaches {@code recall} (so the classifier keeps at least as many positives
   * as a baseline with that recall); the precision there is "precision at equal recall".
   */
  public static double thresholdForRecall(double[] scores, boolean[] positive, double recall) {
    double[] positives = java.util.stream.IntStream.range(0, scores.length).filter(i -> positive[i])
        .mapToDouble(i -> scores[i]).sorted().toArray();
    if (positives.length == 0) {
      return 0.5;
    }
    int keep = (int) Math.ceil(recall * positives.length - 1e-9);
    return keep <= 0 ? Double.POSITIVE_INFINITY : positives[positives.length - keep];
  }

  /** Area under the ROC curve (Mann-Whitney, ties counted half). */
  public static double auc(double[] scores, boolean[] positive) {
    Integer[] order = new Integer[scores.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
    double rankSum = 0;
    long positives = 0;
    for (int i = 0; i < order.length; ) {
      int j = i;
      while (j + 1 < order.length && scores[order[j + 1]] == scores[order[i]]) {
        j++;
      }
      double rank = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        if (positive[order[k]]) {
          rankSum += rank;
          positives++;
        }
      }
      i = j + 1;
    }
    long negatives = scores.length - positives;
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    return (rankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
  }
}
