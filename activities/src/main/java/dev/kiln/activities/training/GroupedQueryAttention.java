package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Llama's causal self-attention: separate query, key and value projections without biases, rotary embeddings on
 * queries and keys, and grouped-query attention (Ainslie et al. 2023), where each of {@code keyValueHeads} key-value
 * heads serves a group of {@code heads / keyValueHeads} consecutive query heads (transformers' {@code repeat_kv}),
 * which shrinks the key-value projections and cache. With as many key-value heads as heads it is multi-head attention.
 *
 * <p>The groups are a broadcast, not a copy: queries [batch, kv, group, time, headDim] meet keys [batch, kv, 1, time,
 * headDim]. Parameter names under the prefix are transformers' {@code q_proj, k_proj, v_proj, o_proj}.
 */
final class GroupedQueryAttention {
  private final int heads;
  private final int keyValueHeads;
  private final int headDim;
  private final BiasFreeLinear query;
  private final BiasFreeLinear key;
  private final BiasFreeLinear value;
  private final BiasFreeLinear output;
  private final RotaryEmbedding rotary;
  private final DropoutRate dropout;

  GroupedQueryAttention(
      NamedParameters p, String prefix, int d, int heads, int keyValueHeads, int headDim, double initStd,
      RotaryEmbedding rotary, DropoutRate dropout) {
    if (heads % keyValueHeads != 0) {
      throw new IllegalArgumentException("heads " + heads + " are not a multiple of key-value heads " + keyValueHeads);
    }
    this.heads = heads;
    this.keyValueHeads = keyValueHeads;
    this.headDim = headDim;
    this.query = BiasFreeLinear.of(p, prefix + ".q_proj", d, (long) heads * headDim, initStd);
    this.key = BiasFreeLinear.of(p, prefix + ".k_proj", d, (long) keyValueHeads * headDim, initStd);
    this.value = BiasFreeLinear.of(p, prefix + ".v_proj", d, (long) keyValueHeads * headDim, initStd);
    this.output = BiasFreeLinear.of(p, prefix + ".o_proj", (long) heads * headDim, d, initStd);
    this.rotary = rotary;
    this.dropout = dropout;
  }

  /**
   * x [batch, time, d] attending causally; {@code causal} is the additive [time, time] mask. Dropout (transformers'
   * {@code attention_dropout}) applies to the attention weights only, when training.
   */
  NDArray forward(NDArray x, NDArray causal, boolean training) {
    Shape s = x.getShape();
    long batch = s.get(0);
    long time = s.get(1);
    int group = heads / keyValueHeads;
    NDArray q = rotary.apply(splitHeads(query.apply(x), heads));
    NDArray k = rotary.apply(splitHeads(key.apply(x), keyValueHeads));
    NDArray v = splitHeads(value.apply(x), keyValueHeads);
    // Scaled before the product, over [batch, heads, time, headDim] rather than the larger scores (as MultiHeadAttention);
    // the 0-d scale lives in the step's manager until after backward.
    NDArray scale = q.getManager().create((float) (1.0 / Math.sqrt(headDim)));
    NDArray queries = q.mul(scale).reshape(batch, keyValueHeads, group, time, headDim);
    NDArray keys = k.expandDims(2);
    NDArray values = v.expandDims(2);
    NDArray scores = queries.matMul(keys.transpose(0, 1, 2, 4, 3)); // [batch, kv, group, time, time]
    scores.addi(causal);
    NDArray weights = dropout.apply(scores.softmax(-1), training);
    NDArray merged = weights.matMul(values) // [batch, kv, group, time, headDim]: head h = kv * group + g
        .reshape(batch, heads, time, headDim)
        .transpose(0, 2, 1, 3)
        .reshape(batch, time, (long) heads * headDim);
    return output.apply(merged);
  }

  /** [batch, time, n * headDim] to [batch, n, time, headDim]. */
  private NDArray splitHeads(NDArray x, int n) {
    Shape s = x.getShape();
    return x.reshape(s.get(0), s.get(1), n, headDim).transpose(0, 2, 1, 3);
  }
}
