package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.Map;

/**
 * Additive attention masks. Masked scores get a large negative number rather than -inf, so a row whose keys
 * are all padding gives uniform weights instead of NaN (its output is ignored anyway).
 */
final class AttentionMasks {
  static final float HIDDEN = -1e9f;

  private final NDManager manager;
  private final Map<Long, NDArray> causal = new HashMap<>();

  /** @param manager the model's manager, which keeps the cached causal masks */
  AttentionMasks(NDManager manager) {
    this.manager = manager;
  }

  /** [time, time]: row t may attend to columns 0..t only. Cached per length, so no step allocates one. */
  NDArray causal(long time) {
    return causal.computeIfAbsent(time, t -> {
      int n = Math.toIntExact(t);
      float[] values = new float[n * n];
      for (int row = 0; row < n; row++) {
        for (int column = row + 1; column < n; column++) {
          values[row * n + column] = HIDDEN;
        }
      }
      return manager.create(values, new Shape(n, n));
    });
  }

  /**
   * [rows, 1, 1, length] hiding the keys that are {@code <|pad|>}, or null when no row has any (the common
   * case in training, where windows are full).
   */
  static NDArray padding(NDManager stepManager, int[] tokens, int rows, int length) {
    float[] values = new float[rows * length];
    boolean anyPadding = false;
    for (int i = 0; i < values.length; i++) {
      if (tokens[i] == TrainingBatch.PAD) {
        values[i] = HIDDEN;
        anyPadding = true;
      }
    }
    return anyPadding ? stepManager.create(values, new Shape(rows, 1, 1, length)) : null;
  }
}
