package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import dev.kiln.workflows.training.MlpActivation;

/**
 * The MLP's GELU: exact (libtorch's own kernel, Kiln's default) or GPT-2's tanh approximation. The approximation is
 * written with the same operations in the same order as Hugging Face's {@code gelu_new}, so that an exported
 * decoder's logits match transformers' to float rounding of the matrix products alone.
 */
final class Gelu {
  private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);

  private Gelu() {}

  static NDArray apply(MlpActivation activation, NDArray x) {
    return switch (activation) {
      case GELU -> Activation.gelu(x);
      case GELU_TANH -> tanhApproximation(x);
    };
  }

  /** 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), evaluated as transformers evaluates it. */
  private static NDArray tanhApproximation(NDArray x) {
    NDManager m = x.getManager();
    // 0-d tensors in the step's manager, alive until after backward (DJL's mul(Number) closes its scalar right after
    // the forward op, which backward still reads). x * x * x is what libtorch's pow(x, 3.0) computes.
    NDArray cube = x.mul(x).mul(x);
    NDArray inner = x.add(cube.mul(scalar(m, 0.044715f))).mul(scalar(m, SQRT_2_OVER_PI));
    return x.mul(scalar(m, 0.5f)).mul(inner.tanh().add(scalar(m, 1f)));
  }

  private static NDArray scalar(NDManager manager, float value) {
    return manager.create(value);
  }
}
