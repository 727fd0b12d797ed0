package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;

/**
 * T5's position-wise feed-forward ({@code DenseReluDense}), bias-free: {@code wo(dropout(act(wi x)))} in v1.0, and
 * the gated form of v1.1 (Shazeer 2020), {@code wo(dropout(act(wi_0 x) · wi_1 x))}. v1.1's activation is
 * {@code gelu_new}, the tanh approximation of GELU, which is not DJL's (erf) {@code gelu}.
 */
final class T5FeedForward {
  private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

  private final Parameter wi; // wi, or wi_0 when gated
  private final Parameter wiLinear; // wi_1 when gated, else null
  private final Parameter wo;
  private final String activation;
  private final DropoutRate dropout;

  /** Initialised as T5: wi (and wi_0, wi_1) from N(0, 1/d_model), wo from N(0, 1/d_ff). */
  T5FeedForward(NamedParameters p, String prefix, T5Architecture a, DropoutRate dropout) {
    Shape in = new Shape(a.dFf(), a.dModel());
    double inStd = Math.pow(a.dModel(), -0.5);
    if (a.gated()) {
      wi = p.weight(prefix + ".wi_0.weight", in, inStd);
      wiLinear = p.weight(prefix + ".wi_1.weight", in, inStd);
    } else {
      wi = p.weight(prefix + ".wi.weight", in, inStd);
      wiLinear = null;
    }
    wo = p.weight(prefix + ".wo.weight", new Shape(a.dModel(), a.dFf()), Math.pow(a.dFf(), -0.5));
    this.activation = a.activation();
    this.dropout = dropout;
  }

  NDArray forward(NDArray x, boolean training) {
    NDArray h = activate(Linear.linear(x, wi.value()).singletonOrThrow());
    if (wiLinear != null) {
      h = h.mul(Linear.linear(x, wiLinear.value()).singletonOrThrow());
    }
    return Linear.linear(dropout.apply(h, training), wo.value()).singletonOrThrow();
  }

  private NDArray activate(NDArray x) {
    return switch (activation) {
      case "relu" -> Activation.relu(x);
      case "gelu" -> Activation.gelu(x);
      case "silu" -> x.mul(Activation.sigmoid(x));
      case "gelu_new" -> geluNew(x);
      default -> throw new IllegalStateException("T5Architecture admits no activation " + activation);
    };
  }

  /** {@code 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))}, as transformers' NewGELUActivation. */
  private static NDArray geluNew(NDArray x) {
    // 0-d constants of the step's manager, alive until after backward (see MultiHeadAttention).
    NDManager m = x.getManager();
    NDArray cubic = x.mul(x).mul(x).mul(m.create(0.044715f));
    NDArray inner = x.add(cubic).mul(m.create((float) SQRT_2_OVER_PI)).tanh().add(m.create(1f));
    return x.mul(m.create(0.5f)).mul(inner);
  }
}
