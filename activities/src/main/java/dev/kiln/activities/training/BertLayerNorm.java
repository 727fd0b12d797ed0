package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.norm.LayerNorm;

/**
 * LayerNorm with the config's epsilon: BERT's is 1e-12 and RoBERTa's 1e-5, where Kiln's {@link LayerNormWeights}
 * fixes 1e-5 for its own models.
 */
record BertLayerNorm(Parameter gain, Parameter bias, float epsilon) {

  /** Registers {@code name.weight} and {@code name.bias}. */
  static BertLayerNorm of(NamedParameters p, String name, int features, double epsilon) {
    LayerNormWeights weights = p.layerNorm(name, features);
    return new BertLayerNorm(weights.gain(), weights.bias(), (float) epsilon);
  }

  NDArray apply(NDArray x) {
    return LayerNorm.layerNorm(x, gain.shape(), gain.value(), bias.value(), epsilon).singletonOrThrow();
  }
}
