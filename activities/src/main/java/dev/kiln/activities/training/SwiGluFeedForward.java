package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * Llama's MLP, a gated linear unit with SiLU (SwiGLU, Shazeer 2020): {@code down(silu(gate(x)) * up(x))}, no biases.
 * The gate gives the quality of a wider GELU MLP with fewer parameters, which is why Llama uses it. Parameter names
 * under the prefix are transformers' {@code gate_proj, up_proj, down_proj}.
 */
final class SwiGluFeedForward {
  private final BiasFreeLinear gate;
  private final BiasFreeLinear up;
  private final BiasFreeLinear down;

  SwiGluFeedForward(NamedParameters p, String prefix, int d, int intermediate, double initStd) {
    this.gate = BiasFreeLinear.of(p, prefix + ".gate_proj", d, intermediate, initStd);
    this.up = BiasFreeLinear.of(p, prefix + ".up_proj", d, intermediate, initStd);
    this.down = BiasFreeLinear.of(p, prefix + ".down_proj", intermediate, d, initStd);
  }

  NDArray forward(NDArray x) {
    NDArray g = gate.apply(x);
    NDArray silu = g.mul(Activation.sigmoid(g)); // silu(g) = g sigmoid(g), with no scalar operand in the graph
    return down.apply(silu.mul(up.apply(x)));
  }
}
