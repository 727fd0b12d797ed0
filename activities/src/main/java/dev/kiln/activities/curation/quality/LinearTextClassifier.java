package dev.kiln.activities.curation.quality;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * fastText's supervised model for two labels, as DCLM trains it for quality filtering: every hashed unigram and
 * bigram of a text ({@link HashedNgrams}) has an embedding row; the text's representation is the average of its
 * rows; a logistic output on that average gives P(high quality). Trained by plain SGD on the logistic loss with a
 * learning rate decaying linearly to 0 over all updates, the input rows' gradient divided by the text's number of
 * features (fastText's normalisation for supervised models); rows start uniform in ±1/dim, the output at 0.
 * Deterministic for a given seed and example order. Scoring is thread-safe; training is not.
 */
public final class LinearTextClassifier {
  private static final int MAGIC = 0x4b514c31; // "KQL1"

  private final int buckets;
  private final int dim;
  private final int maxWords;
  private final float[] rows;
  private final float[] output;
  private float bias;

  /** One training text as its features and label. */
  public record Example(int[] features, boolean positive) {}

  public LinearTextClassifier(int buckets, int dim, int maxWords, long seed) {
    if (buckets < 1 || dim < 1 || maxWords < 1) {
      throw new IllegalArgumentException("buckets, dim and maxWords must be positive, got " + buckets + ", " + dim + ", " + maxWords);
    }
    if ((long) buckets * dim > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(buckets + " buckets x " + dim + " dimensions do not fit one array: lower either");
    }
    this.buckets = buckets;
    this.dim = dim;
    this.maxWords = maxWords;
    this.rows = new float[buckets * dim];
    this.output = new float[dim];
    SplittableRandom random = new SplittableRandom(seed);
    float bound = 1f / dim;
    for (int i = 0; i < rows.length; i++) {
      rows[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
    }
  }

  private LinearTextClassifier(int buckets, int dim, int maxWords, float[] rows, float[] output, float bias) {
    this.buckets = buckets;
    this.dim = dim;
    this.maxWords = maxWords;
    this.rows = rows;
    this.output = output;
    this.bias = bias;
  }

  public int buckets() {
    return buckets;
  }

  public int dim() {
    return dim;
  }

  public int maxWords() {
    return maxWords;
  }

  public int[] features(String text) {
    return HashedNgrams.features(text, buckets, maxWords);
  }

  /** P(high quality) of a text. */
  public double score(String text) {
    return score(features(text));
  }

  public double score(int[] features) {
    float[] hidden = new float[dim];
    average(features, hidden);
    return sigmoid(dot(hidden));
  }

  /**
   * Trains over the examples for {@code epochs} passes, each in a new order drawn from the seed; returns the mean
   * logistic loss of each pass (measured on each example just before its update).
   */
  public List<Double> train(List<Example> examples, int epochs, double learningRate, long seed) {
    if (examples.isEmpty() || epochs < 1 || !(learningRate > 0)) {
      throw new IllegalArgumentException("training needs examples, epochs >= 1 and a positive learning rate, got "
          + examples.size() + " examples, " + epochs + " epochs, rate " + learningRate);
    }
    SplittableRandom random = new SplittableRandom(seed);
    int[] order = new int[examples.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    long total = (long) epochs * examples.size();
    long done = 0;
    float[] hidden = new float[dim];
    float[] gradient = new float[dim];
    List<Double> losses = new ArrayList<>(epochs);
    for (int epoch = 0; epoch < epochs; epoch++) {
      for (int i = order.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      double lossSum = 0;
      for (int index : order) {
        float rate = (float) (learningRate * (1 - (double) done / total));
        done++;
        lossSum += update(examples.get(index), rate, hidden, gradient);
      }
      losses.add(lossSum / examples.size());
    }
    return losses;
  }

  private double update(Example example, float rate, float[] hidden, float[] gradient) {
    int[] features = example.features();
    average(features, hidden);
    double p = sigmoid(dot(hidden));
    double y = example.positive() ? 1 : 0;
    double loss = -Math.log(Math.max(1e-7, example.positive() ? p : 1 - p));
    float g = (float) (p - y);
    for (int k = 0; k < dim; k++) {
      gradient[k] = g * output[k];
      output[k] -= rate * g * hidden[k];
    }
    bias -= rate * g;
    if (features.length > 0) {
      float scale = rate / features.length;
      for (int f : features) {
        int base = f * dim;
        for (int k = 0; k < dim; k++) {
          rows[base + k] -= scale * gradient[k];
        }
      }
    }
    return loss;
  }

  private void average(int[] features, float[] hidden) {
    java.util.Arrays.fill(hidden, 0f);
    if (features.length == 0) {
      return;
    }
    for (int f : features) {
      int base = f * dim;
      for (int k = 0; k < dim; k++) {
        hidden[k] += rows[base + k];
      }
    }
    float inverse = 1f / features.length;
    for (int k = 0; k < dim; k++) {
      hidden[k] *= inverse;
    }
  }

  private double dot(float[] hidden) {
    double z = bias;
    for (int k = 0; k < dim; k++) {
      z += (double) output[k] * hidden[k];
    }
    return z;
  }

  private static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }

  /** Little-endian: magic, buckets, dim, maxWords, bias, the output weights, then the rows bucket by bucket. */
  public byte[] toBytes() {
    ByteBuffer b = ByteBuffer.allocate(4 * (5 + dim + rows.length)).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putInt(buckets).putInt(dim).putInt(maxWords).putFloat(bias);
    b.asFloatBuffer().put(output);
    b.position(b.position() + 4 * dim);
    b.asFloatBuffer().put(rows);
    return b.array();
  }

  /** Reads {@link #toBytes}; {@code source} names the bytes in the error a damaged or foreign file gives. */
  public static LinearTextClassifier fromBytes(byte[] bytes, String source) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes.length < 20 || b.getInt() != MAGIC) {
      throw new IllegalArgumentException(source + " is not a Kiln quality classifier's weights (no KQL1 header)");
    }
    int buckets = b.getInt();
    int dim = b.getInt();
    int maxWords = b.getInt();
    float bias = b.getFloat();
    long expected = 4L * (5 + dim + (long) buckets * dim);
    if (buckets < 1 || dim < 1 || maxWords < 1 || expected != bytes.length) {
      throw new IllegalArgumentException(source + " is truncated or damaged: " + bytes.length + " bytes, the header ("
          + buckets + " buckets x " + dim + " dims) needs " + expected);
    }
    float[] output = new float[dim];
    b.asFloatBuffer().get(output);
    b.position(b.position() + 4 * dim);
    float[] rows = new float[buckets * dim];
    b.asFloatBuffer().get(rows);
    return new LinearTextClassifier(buckets, dim, maxWords, rows, output, bias);
  }
}
