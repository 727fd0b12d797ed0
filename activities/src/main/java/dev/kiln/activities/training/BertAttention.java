package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * transformers' BertAttention (eager): separate query, key and value projections, softmax((q kᵀ) · head_size^-0.5 +
 * mask) v with dropout on the weights, then the output dense, dropout, the residual and LayerNorm (post-LN: the
 * norm comes after the sum, where Kiln's own blocks normalise before each sub-layer).
 */
final class BertAttention {
  private final int heads;
  private final LinearWeights query;
  private final LinearWeights key;
  private final LinearWeights value;
  private final LinearWeights dense;
  private final BertLayerNorm norm;
  private final DropoutRate dropout;

  /** @param prefix e.g. {@code bert.encoder.layer.0.attention.} */
  BertAttention(NamedParameters p, String prefix, BertArchitecture a, double initStd, DropoutRate dropout) {
    int h = a.hiddenSize();
    this.heads = a.heads();
    this.query = p.linear(prefix + "self.query", h, h, initStd);
    this.key = p.linear(prefix + "self.key", h, h, initStd);
    this.value = p.linear(prefix + "self.value", h, h, initStd);
    this.dense = p.linear(prefix + "output.dense", h, h, initStd);
    this.norm = BertLayerNorm.of(p, prefix + "output.LayerNorm", h, a.layerNormEps());
    this.dropout = dropout;
  }

  /** x [batch, time, hidden]; mask additive, broadcast to [batch, heads, time, time], or null. */
  NDArray forward(NDArray x, NDArray mask, boolean training) {
    Shape input = x.getShape();
    long headSize = input.get(2) / heads;
    // A 0-d tensor in the step's manager, alive until after backward (DJL's mul(Number) closes its scalar at once).
    NDArray scaling = x.getManager().create((float) Math.pow(headSize, -0.5));
    NDArray q = splitHeads(query.apply(x));
    NDArray k = splitHeads(key.apply(x));
    NDArray v = splitHeads(value.apply(x));
    NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scaling);
    if (mask != null) {
      scores = scores.add(mask);
    }
    NDArray weights = dropout.apply(scores.softmax(-1), training);
    NDArray context = weights.matMul(v).transpose(0, 2, 1, 3).reshape(input);
    return norm.apply(dropout.apply(dense.apply(context), training).add(x));
  }

  /** [batch, time, hidden] to [batch, heads, time, head size]. */
  private NDArray splitHeads(NDArray x) {
    Shape s = x.getShape();
    return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
  }
}
