package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.norm.Dropout;

/** Dropout, active only when training; its randomness comes from the engine's generator, seeded per step. */
record DropoutRate(float rate) {
  DropoutRate {
    if (rate < 0 || rate >= 1) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got " + rate);
    }
  }

  NDArray apply(NDArray x, boolean training) {
    return training && rate > 0 ? Dropout.dropout(x, rate, true).singletonOrThrow() : x;
  }
}
