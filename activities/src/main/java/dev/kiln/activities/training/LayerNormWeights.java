package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.norm.LayerNorm;

/** LayerNorm over the last dimension with a learned gain and bias. */
record LayerNormWeights(Parameter gain, Parameter bias) {
  private static final float EPSILON = 1e-5f;

  NDArray apply(NDArray x) {
    return LayerNorm.layerNorm(x, gain.shape(), gain.value(), bias.value(), EPSILON).singletonOrThrow();
  }
}
