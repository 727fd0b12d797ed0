package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.core.Linear;

/** y = x W^T + b with W stored [out, in], as PyTorch's nn.Linear. */
record LinearWeights(Parameter weight, Parameter bias) {
  NDArray apply(NDArray x) {
    return Linear.linear(x, weight.value(), bias.value()).singletonOrThrow();
  }
}
