package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;

/** y = x W^T with W stored [out, in], as PyTorch's nn.Linear(bias=False): Llama's projections have no biases. */
record BiasFreeLinear(Parameter weight) {

  /** A matrix named {@code name + ".weight"}, initialised from N(0, std^2). */
  static BiasFreeLinear of(NamedParameters p, String name, long in, long out, double std) {
    return new BiasFreeLinear(p.weight(name + ".weight", new Shape(out, in), std));
  }

  NDArray apply(NDArray x) {
    return Linear.linear(x, weight.value()).singletonOrThrow();
  }
}
