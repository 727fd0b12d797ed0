package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** The position-wise MLP of a transformer block: d -> 4d -> GELU -> d (GPT-2's {@code mlp}). */
final class FeedForward {
  private final LinearWeights expand;
  private final LinearWeights project;
  private final DropoutRate dropout;

  FeedForward(NamedParameters p, String prefix, int d, double initStd, double residualStd, DropoutRate dropout) {
    this.expand = p.linear(prefix + ".c_fc", d, 4 * d, initStd);
    this.project = p.linear(prefix + ".c_proj", 4 * d, d, residualStd);
    this.dropout = dropout;
  }

  NDArray forward(NDArray x, boolean training) {
    return dropout.apply(project.apply(Activation.gelu(expand.apply(x))), training);
  }
}
