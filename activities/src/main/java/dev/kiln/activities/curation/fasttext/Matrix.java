package dev.kiln.activities.curation.fasttext;

/**
 * A model matrix, read-only: rows are added into a hidden vector (input matrix) or multiplied with it (output
 * matrix), in float arithmetic in the order fastText uses, so that results agree with it to the last bits.
 */
interface Matrix {
  long rows();

  int cols();

  /** {@code x += row i} (scaled by the row's norm in a quantized matrix that stores norms apart). */
  void addRowTo(float[] x, int i);

  /** The dot product of row i with x. */
  float dotRow(float[] x, int i);
}
