package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import dev.kiln.workflows.training.MlpActivation;

/** The position-wise MLP of a transformer block: d -> 4d -> GELU (exact or tanh, see {@link Gelu}) -> d (GPT-2's {@code mlp}). */
final class FeedForward {
  private final LinearWeights expand;
  private final LinearWeights project;
  private final DropoutRate dropout;
  private final MlpActivation activation;

  FeedForward(
      NamedParameters p, String prefix, int d, double initStd, double residualStd, DropoutRate dropout,
      MlpActivation activation) {
    this.expand = p.linear(prefix + ".c_fc", d, 4 * d, initStd);
    this.project = p.linear(prefix + ".c_proj", 4 * d, d, residualStd);
    this.dropout = dropout;
    this.activation = activation;
  }

  NDArray forward(NDArray x, boolean training) {
    return dropout.apply(project.apply(Gelu.apply(activation, expand.apply(x))), training);
  }
}
