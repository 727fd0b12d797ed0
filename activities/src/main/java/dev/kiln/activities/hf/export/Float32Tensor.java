package dev.kiln.activities.hf.export;

import java.util.Arrays;

/**
 * A named float32 tensor held in Java, row-major: what the export reads from a Kiln checkpoint and writes under
 * Hugging Face's names. Held as plain arrays so that the export needs no native engine and every layout change is
 * visible Java.
 */
public record Float32Tensor(String name, long[] shape, float[] values) {
  public Float32Tensor {
    long size = Arrays.stream(shape).reduce(1, Math::multiplyExact);
    if (size != values.length) {
      throw new IllegalArgumentException(
          "tensor '" + name + "' of shape " + Arrays.toString(shape) + " needs " + size + " values, got " + values.length);
    }
  }

  /** The same values under another name. */
  public Float32Tensor named(String newName) {
    return new Float32Tensor(newName, shape, values);
  }

  /**
   * The transpose of a matrix under another name: nn.Linear's [out, in] becomes Conv1D's [in, out] (both compute
   * the same y from x; Conv1D multiplies x by its weight, nn.Linear by the transpose of its own).
   */
  public Float32Tensor transposed(String newName) {
    if (shape.length != 2) {
      throw new IllegalArgumentException("tensor '" + name + "' of shape " + Arrays.toString(shape) + " is not a matrix");
    }
    int rows = Math.toIntExact(shape[0]);
    int columns = Math.toIntExact(shape[1]);
    float[] out = new float[values.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++) {
        out[c * rows + r] = values[r * columns + c];
      }
    }
    return new Float32Tensor(newName, new long[] {columns, rows}, out);
  }

  public String shapeText() {
    return Arrays.toString(shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Float32Tensor t && name.equals(t.name) && Arrays.equals(shape, t.shape)
        && Arrays.equals(values, t.values);
  }

  @Override
  public int hashCode() {
    return 31 * name.hashCode() + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + shapeText();
  }
}
