package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;

/**
 * T5's LayerNorm: {@code weight · x / sqrt(mean(x²) + ε)} over the last dimension, with no mean subtracted and no
 * bias (root-mean-square normalisation). The mean of squares is taken in float32, which is what the model computes
 * in anyway.
 */
record T5LayerNorm(Parameter weight, float epsilon) {

  NDArray apply(NDArray x) {
    NDArray variance = x.mul(x).mean(new int[] {-1}, true);
    // A 0-d tensor of the step's manager, alive until after backward (see MultiHeadAttention).
    NDArray eps = x.getManager().create(epsilon);
    return weight.value().mul(x.div(variance.add(eps).sqrt()));
  }
}
