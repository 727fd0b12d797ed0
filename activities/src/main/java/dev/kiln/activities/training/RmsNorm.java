package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;

/**
 * Root-mean-square normalisation over the last dimension with a learned gain and no bias (Zhang and Sennrich 2019),
 * as Llama's {@code LlamaRMSNorm}: {@code weight * x / sqrt(mean(x^2) + eps)}. It skips LayerNorm's mean subtraction
 * and bias, which Llama does without. Kiln's activations are fp32, so it is computed in fp32, as transformers does
 * whatever the model's dtype.
 */
record RmsNorm(Parameter gain, float epsilon) {

  static RmsNorm of(NamedParameters p, String name, int features, double epsilon) {
    return new RmsNorm(p.gain(name + ".weight", features), (float) epsilon);
  }

  NDArray apply(NDArray x) {
    // eps as a 0-d tensor of the step: an NDArray.add(Number) scalar is closed right after the op (see MultiHeadAttention).
    NDArray eps = x.getManager().create(epsilon);
    NDArray rms = x.square().mean(new int[] {-1}, true).add(eps).sqrt();
    return gain.value().mul(x.div(rms));
  }
}
