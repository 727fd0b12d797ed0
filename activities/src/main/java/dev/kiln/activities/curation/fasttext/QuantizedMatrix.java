package dev.kiln.activities.curation.fasttext;

import java.io.IOException;

/**
 * A product-quantized matrix, as in a {@code .ftz} model: each row is split into sub-vectors of {@code dsub}
 * columns (the last may be shorter), and each sub-vector is stored as one byte, the index of one of 256 centroids
 * of its position. With {@code qnorm}, rows were normalised before quantizing and each row's norm is itself
 * quantized (one byte into 256 scalar centroids) and multiplies the row.
 */
final class QuantizedMatrix implements Matrix {
  private static final int KSUB = 256;

  private final int rows;
  private final int cols;
  private final byte[] codes;
  private final ProductQuantizer pq;
  private final byte[] normCodes; // null without qnorm
  private final ProductQuantizer normPq;

  /**
   * Rows decoded once, when they are few enough ({@link #MAX_DECODED_VALUES}): each value is the same float product
   * {@code norm * centroid} that adding the row computes, so adding a decoded row gives the same sums, faster.
   */
  private static final long MAX_DECODED_VALUES = 8L << 20;

  private final float[] decoded; // null when not decoded

  private QuantizedMatrix(int rows, int cols, byte[] codes, ProductQuantizer pq, byte[] normCodes,
      ProductQuantizer normPq) {
    this.rows = rows;
    this.cols = cols;
    this.codes = codes;
    this.pq = pq;
    this.normCodes = normCodes;
    this.normPq = normPq;
    this.decoded = (long) rows * cols <= MAX_DECODED_VALUES ? decode() : null;
  }

  private float[] decode() {
    float[] values = new float[rows * cols];
    for (int i = 0; i < rows; i++) {
      addQuantizedRow(values, i * cols, i);
    }
    return values;
  }

  static QuantizedMatrix read(ModelReader in) throws IOException {
    boolean qnorm = in.readBool();
    long m = in.readLong();
    long n = in.readLong();
    int codeSize = in.readInt();
    if (m < 0 || n <= 0 || m > Integer.MAX_VALUE || n > Integer.MAX_VALUE || codeSize < 0) {
      throw new IOException("a quantized matrix of " + m + " x " + n + " with " + codeSize + " codes is not valid");
    }
    byte[] codes = new byte[codeSize];
    in.readBytes(codes);
    ProductQuantizer pq = ProductQuantizer.read(in);
    if (pq.dim != n || (long) pq.nsubq * m != codeSize) {
      throw new IOException("a quantized matrix of " + m + " x " + n + " has " + codeSize + " codes for "
          + pq.nsubq + " sub-quantizers of dimension " + pq.dim + ": the file is damaged");
    }
    byte[] normCodes = null;
    ProductQuantizer normPq = null;
    if (qnorm) {
      normCodes = new byte[(int) m];
      in.readBytes(normCodes);
      normPq = ProductQuantizer.read(in);
    }
    return new QuantizedMatrix((int) m, (int) n, codes, pq, normCodes, normPq);
  }

  @Override
  public long rows() {
    return rows;
  }

  @Override
  public int cols() {
    return cols;
  }

  private float norm(int i) {
    return normCodes == null ? 1f : normPq.centroids[normPq.centroidOffset(0, normCodes[i] & 0xFF)];
  }

  @Override
  public void addRowTo(float[] x, int i) {
    if (decoded != null) {
      int base = i * cols;
      for (int j = 0; j < cols; j++) {
        x[j] += decoded[base + j];
      }
      return;
    }
    addQuantizedRow(x, 0, i);
  }

  /** Adds row {@code i}, decoded from its codes ({@code norm * centroid} per value), to {@code out[offset ..]}. */
  private void addQuantizedRow(float[] out, int offset, int i) {
    float alpha = norm(i);
    int code = pq.nsubq * i;
    int d = pq.dsub;
    for (int m = 0; m < pq.nsubq; m++) {
      int c = pq.centroidOffset(m, codes[code + m] & 0xFF);
      if (m == pq.nsubq - 1) {
        d = pq.lastdsub;
      }
      int at = offset + m * pq.dsub;
      for (int j = 0; j < d; j++) {
        out[at + j] += alpha * pq.centroids[c + j];
      }
    }
  }

  @Override
  public float dotRow(float[] x, int i) {
    float alpha = norm(i);
    int code = pq.nsubq * i;
    int d = pq.dsub;
    float res = 0f;
    for (int m = 0; m < pq.nsubq; m++) {
      int c = pq.centroidOffset(m, codes[code + m] & 0xFF);
      if (m == pq.nsubq - 1) {
        d = pq.lastdsub;
      }
      int at = m * pq.dsub;
      for (int j = 0; j < d; j++) {
        res += x[at + j] * pq.centroids[c + j];
      }
    }
    return res * alpha;
  }

  /** The centroids of a product quantizer: for each sub-vector position, 256 centroids of its width. */
  static final class ProductQuantizer {
    final int dim;
    final int nsubq;
    final int dsub;
    final int lastdsub;
    final float[] centroids;

    private ProductQuantizer(int dim, int nsubq, int dsub, int lastdsub, float[] centroids) {
      this.dim = dim;
      this.nsubq = nsubq;
      this.dsub = dsub;
      this.lastdsub = lastdsub;
      this.centroids = centroids;
    }

    static ProductQuantizer read(ModelReader in) throws IOException {
      int dim = in.readInt();
      int nsubq = in.readInt();
      int dsub = in.readInt();
      int lastdsub = in.readInt();
      if (dim <= 0 || nsubq <= 0 || dsub <= 0 || lastdsub <= 0 || lastdsub > dsub
          || (long) (nsubq - 1) * dsub + lastdsub != dim || (long) dim * KSUB > Integer.MAX_VALUE) {
        throw new IOException("a product quantizer of dimension " + dim + " with " + nsubq + " sub-quantizers of "
            + dsub + " (last " + lastdsub + ") is not valid: the file is damaged");
      }
      float[] centroids = new float[dim * KSUB];
      in.readFloats(centroids, 0, centroids.length);
      return new ProductQuantizer(dim, nsubq, dsub, lastdsub, centroids);
    }

    /** Where centroid {@code i} of sub-quantizer {@code m} starts (the last sub-quantizer's are narrower). */
    int centroidOffset(int m, int i) {
      return m == nsubq - 1 ? m * KSUB * dsub + i * lastdsub : (m * KSUB + i) * dsub;
    }
  }
}
