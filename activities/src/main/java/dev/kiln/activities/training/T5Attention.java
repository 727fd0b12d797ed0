package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;

/**
 * T5's multi-head attention ({@code SelfAttention} or {@code EncDecAttention}): separate bias-free projections
 * {@code q, k, v} [heads·d_kv, d_model] and {@code o} [d_model, heads·d_kv], and scores {@code q·kᵀ} plus a bias
 * (the relative position bias and the mask) with no division by √d_kv: T5 folds that scaling into the
 * initialisation of {@code q}. Softmax, dropout of the weights, the weighted values, then {@code o}.
 */
final class T5Attention {
  private final int heads;
  private final int dKv;
  private final Parameter q;
  private final Parameter k;
  private final Parameter v;
  private final Parameter o;
  private final DropoutRate dropout;

  /**
   * Registers {@code prefix.{q,k,v,o}.weight} with T5's initialisation: q from N(0, 1/(d_model·d_kv)), k and v from
   * N(0, 1/d_model), o from N(0, 1/(heads·d_kv)).
   */
  T5Attention(NamedParameters p, String prefix, T5Architecture a, DropoutRate dropout) {
    int d = a.dModel();
    int inner = a.innerDim();
    this.heads = a.heads();
    this.dKv = a.dKv();
    this.q = p.weight(prefix + ".q.weight", new Shape(inner, d), Math.pow((double) d * a.dKv(), -0.5));
    this.k = p.weight(prefix + ".k.weight", new Shape(inner, d), Math.pow(d, -0.5));
    this.v = p.weight(prefix + ".v.weight", new Shape(inner, d), Math.pow(d, -0.5));
    this.o = p.weight(prefix + ".o.weight", new Shape(d, inner), Math.pow(inner, -0.5));
    this.dropout = dropout;
  }

  /**
   * Attention of queries from x [batch, time, d_model] to keys and values from {@code source} [batch, source,
   * d_model] (x itself for self-attention).
   *
   * @param bias added to the scores, broadcast to [batch, heads, time, source]; null for none
   */
  NDArray forward(NDArray x, NDArray source, NDArray bias, boolean training) {
    NDArray queries = splitHeads(Linear.linear(x, q.value()).singletonOrThrow());
    NDArray keys = splitHeads(Linear.linear(source, k.value()).singletonOrThrow());
    NDArray values = splitHeads(Linear.linear(source, v.value()).singletonOrThrow());
    NDArray scores = queries.matMul(keys.transpose(0, 1, 3, 2));
    if (bias != null) {
      scores = scores.add(bias);
    }
    NDArray weights = dropout.apply(scores.softmax(-1), training);
    Shape s = x.getShape();
    NDArray merged = weights.matMul(values).transpose(0, 2, 1, 3).reshape(s.get(0), s.get(1), (long) heads * dKv);
    return Linear.linear(merged, o.value()).singletonOrThrow();
  }

  /** [batch, time, heads·d_kv] to [batch, heads, time, d_kv]. */
  private NDArray splitHeads(NDArray x) {
    Shape s = x.getShape();
    return x.reshape(s.get(0), s.get(1), heads, dKv).transpose(0, 2, 1, 3);
  }
}
