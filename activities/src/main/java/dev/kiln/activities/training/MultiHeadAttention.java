package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/**
 * Scaled dot-product attention over several heads (Vaswani et al. 2017). Self-attention projects queries,
 * keys and values from the same sequence with one fused matrix (GPT-2's {@code c_attn}); cross-attention
 * projects queries from the decoder and keys and values from the encoder's output (the "memory").
 *
 * <p>Masks are additive and broadcast to [batch, heads, queries, keys]: 0 where a query may look, a large
 * negative number where it may not (the causal mask hides later positions, the padding mask hides pad keys).
 */
final class MultiHeadAttention {

  private final int heads;
  private final LinearWeights queryKeyValue; // self-attention only
  private final LinearWeights query; // cross-attention only
  private final LinearWeights keyValue; // cross-attention only
  private final LinearWeights projection;
  private final DropoutRate dropout;

  private MultiHeadAttention(
      int heads, LinearWeights queryKeyValue, LinearWeights query, LinearWeights keyValue, LinearWeights projection,
      DropoutRate dropout) {
    this.heads = heads;
    this.queryKeyValue = queryKeyValue;
    this.query = query;
    this.keyValue = keyValue;
    this.projection = projection;
    this.dropout = dropout;
  }

  static MultiHeadAttention self(NamedParameters p, String prefix, int d, int heads, double initStd, double residualStd, DropoutRate dropout) {
    return new MultiHeadAttention(
        heads, p.linear(prefix + ".c_attn", d, 3 * d, initStd), null, null, p.linear(prefix + ".c_proj", d, d, residualStd), dropout);
  }

  static MultiHeadAttention cross(NamedParameters p, String prefix, int d, int heads, double initStd, double residualStd, DropoutRate dropout) {
    return new MultiHeadAttention(
        heads, null, p.linear(prefix + ".c_q", d, d, initStd), p.linear(prefix + ".c_kv", d, 2 * d, initStd),
        p.linear(prefix + ".c_proj", d, d, residualStd), dropout);
  }

  /** Self-attention of x [batch, time, d] with an additive mask, or null for none. */
  NDArray forward(NDArray x, NDArray mask, boolean training) {
    NDList qkv = queryKeyValue.apply(x).split(3, 2);
    return attend(x.getShape(), qkv.get(0), qkv.get(1), qkv.get(2), mask, training);
  }

  /** Cross-attention from x [batch, time, d] to memory [batch, source, d]. */
  NDArray forward(NDArray x, NDArray memory, NDArray memoryMask, boolean training) {
    NDList kv = keyValue.apply(memory).split(2, 2);
    return attend(x.getShape(), query.apply(x), kv.get(0), kv.get(1), memoryMask, training);
  }

  private NDArray attend(Shape input, NDArray q, NDArray k, NDArray v, NDArray mask, boolean training) {
    long headSize = input.get(2) / heads;
    // A 0-d tensor in the step's manager, alive until after backward: DJL's mul(Number) closes its temporary scalar
    // tensor right after the forward op, which backward still reads.
    NDArray scale = q.getManager().create((float) (1.0 / Math.sqrt(headSize)));
    // (q / sqrt(d_head)) k^T rather than (q k^T) / sqrt(d_head), as fairseq does: the same scores, but the scaling (and
    // its backward) passes over the queries, [batch, time, d], instead of the scores, [batch, heads, time, time],
    // which are time / d_head times larger (3.6x for 115 tokens and 32-wide heads).
    NDArray queries = splitHeads(q.mul(scale));
    NDArray keys = splitHeads(k);
    NDArray values = splitHeads(v);
    NDArray scores = queries.matMul(keys.transpose(0, 1, 3, 2));
    if (mask != null) {
      scores.addi(mask); // in place: no backward needs the scores before the mask, and a step allocates less
    }
    NDArray weights = dropout.apply(scores.softmax(-1), training);
    NDArray merged = weights.matMul(values).transpose(0, 2, 1, 3).reshape(input);
    return dropout.apply(projection.apply(merged), training);
  }

  /** [batch, time, d] to [batch, heads, time, d / heads]. */
  private NDArray splitHeads(NDArray x) {
    Shape s = x.getShape();
    return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
  }
}
