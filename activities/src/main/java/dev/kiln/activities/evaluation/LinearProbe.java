package dev.kiln.activities.evaluation;

/**
 * A linear probe (Alain and Bengio 2016): multinomial logistic regression on frozen features, so its accuracy
 * measures what the features make linearly readable, not what a classifier on top could learn. Features are
 * standardised with the training set's statistics; full-batch gradient descent from zero weights makes the
 * result deterministic.
 */
public final class LinearProbe {

  private static final int ITERATIONS = 300;
  private static final double LEARNING_RATE = 0.5;
  private static final double L2 = 1e-3;

  private final int classes;
  private final double[] mean;
  private final double[] scale;
  private final double[][] weights;
  private final double[] biases;

  private LinearProbe(int classes, int dimensions) {
    this.classes = classes;
    this.mean = new double[dimensions];
    this.scale = new double[dimensions];
    this.weights = new double[classes][dimensions];
    this.biases = new double[classes];
  }

  /** Fits a probe on features [examples][dimensions] with labels in 0..classes-1. */
  public static LinearProbe fit(float[][] features, int[] labels, int classes) {
    if (features.length == 0 || features.length != labels.length) {
      throw new IllegalArgumentException("Need as many labels as examples, and at least one: "
          + features.length + " examples, " + labels.length + " labels");
    }
    int n = features.length;
    int d = features[0].length;
    LinearProbe probe = new LinearProbe(classes, d);
    for (int j = 0; j < d; j++) {
      double sum = 0;
      double squares = 0;
      for (float[] x : features) {
        sum += x[j];
        squares += (double) x[j] * x[j];
      }
      probe.mean[j] = sum / n;
      double variance = squares / n - probe.mean[j] * probe.mean[j];
      probe.scale[j] = variance > 1e-12 ? 1 / Math.sqrt(variance) : 0; // a constant feature carries nothing
    }
    double[][] x = new double[n][];
    for (int i = 0; i < n; i++) {
      x[i] = probe.standardise(features[i]);
    }
    for (int iteration = 0; iteration < ITERATIONS; iteration++) {
      double[][] weightGradient = new double[classes][d];
      double[] biasGradient = new double[classes];
      for (int i = 0; i < n; i++) {
        double[] p = probe.probabilities(x[i]);
        p[labels[i]] -= 1; // d(cross-entropy)/d(logits) = softmax - one-hot
        for (int c = 0; c < classes; c++) {
          biasGradient[c] += p[c] / n;
          for (int j = 0; j < d; j++) {
            weightGradient[c][j] += p[c] * x[i][j] / n;
          }
        }
      }
      for (int c = 0; c < classes; c++) {
        probe.biases[c] -= LEARNING_RATE * biasGradient[c];
        for (int j = 0; j < d; j++) {
          probe.weights[c][j] -= LEARNING_RATE * (weightGradient[c][j] + L2 * probe.weights[c][j]);
        }
      }
    }
    return probe;
  }

  /** Share of examples whose most probable class is their label. */
  public double accuracy(float[][] features, int[] labels) {
    int correct = 0;
    for (int i = 0; i < features.length; i++) {
      double[] p = probabilities(standardise(features[i]));
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (p[c] > p[best]) {
          best = c;
        }
      }
      correct += best == labels[i] ? 1 : 0;
    }
    return (double) correct / features.length;
  }

  private double[] standardise(float[] features) {
    double[] x = new double[features.length];
    for (int j = 0; j < x.length; j++) {
      x[j] = (features[j] - mean[j]) * scale[j];
    }
    return x;
  }

  private double[] probabilities(double[] x) {
    double[] logits = new double[classes];
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < classes; c++) {
      double z = biases[c];
      for (int j = 0; j < x.length; j++) {
        z += weights[c][j] * x[j];
      }
      logits[c] = z;
      max = Math.max(max, z);
    }
    double total = 0;
    for (int c = 0; c < classes; c++) {
      logits[c] = Math.exp(logits[c] - max); // subtracting the max keeps exp() finite; it cancels below
      total += logits[c];
    }
    for (int c = 0; c < classes; c++) {
      logits[c] /= total;
    }
    return logits;
  }
}
