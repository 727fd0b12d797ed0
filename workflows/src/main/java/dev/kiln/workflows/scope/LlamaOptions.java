package dev.kiln.workflows.scope;

/**
 * What a Llama ({@code LlamaForCausalLM}) needs beyond a {@link ModelShape}: with the shape's vocabulary, context
 * length ({@code max_position_embeddings}), {@code hidden_size} (dModel), layers and attention heads, these are the
 * rest of a Llama {@code config.json}. A training config that carries them trains a Llama instead of the objective's
 * default architecture, so Kiln can pretrain, import and export models of that widely used layout.
 *
 * @param keyValueHeads {@code num_key_value_heads}: fewer than the attention heads for grouped-query attention
 * @param intermediateSize {@code intermediate_size}, the width of the SwiGLU MLP
 * @param ropeTheta {@code rope_theta} of the default rotary embedding
 * @param rmsNormEps {@code rms_norm_eps}
 * @param tieWordEmbeddings {@code tie_word_embeddings}: the output projection is the token embedding
 * @param headDim {@code head_dim}, or 0 for dModel / heads (transformers' default)
 */
public record LlamaOptions(
    int keyValueHeads, int intermediateSize, double ropeTheta, double rmsNormEps, boolean tieWordEmbeddings,
    int headDim) {

  public LlamaOptions {
    if (keyValueHeads < 1 || intermediateSize < 1 || headDim < 0) {
      throw new IllegalArgumentException("a Llama needs keyValueHeads >= 1, intermediateSize >= 1 and headDim >= 0,"
          + " got " + keyValueHeads + ", " + intermediateSize + ", " + headDim);
    }
    if (!(ropeTheta > 0) || !(rmsNormEps > 0)) {
      throw new IllegalArgumentException("a Llama needs ropeTheta > 0 and rmsNormEps > 0, got " + ropeTheta + ", "
          + rmsNormEps);
    }
  }

  /** Grouped-query attention over {@code keyValueHeads}, transformers' defaults for the rest (untied). */
  public static LlamaOptions of(int keyValueHeads, int intermediateSize) {
    return new LlamaOptions(keyValueHeads, intermediateSize, 10000.0, 1e-6, false, 0);
  }

  /**
   * transformers' LlamaConfig defaults for a model of {@code shape} trained from scratch: one key-value head per
   * query head, rope theta 10000, RMSNorm epsilon 1e-6, an untied head, and the SwiGLU width Llama sizes its MLP by
   * (two thirds of 4 x hidden, rounded up to a multiple of 8), so the MLP costs about what a 4x GELU MLP does.
   */
  public static LlamaOptions defaultsFor(ModelShape shape) {
    int intermediate = (8 * shape.dModel() / 3 + 7) / 8 * 8;
    return new LlamaOptions(shape.heads(), intermediate, 10000.0, 1e-6, false, 0);
  }

  /** The width of one attention head in a model of this shape. */
  public int headDim(ModelShape shape) {
    return headDim > 0 ? headDim : shape.dModel() / shape.heads();
  }

  /**
   * Rejects a shape these options cannot make a Llama of: heads must be a multiple of the key-value heads (each
   * key-value head serves a group of query heads), and dModel of heads, as transformers' LlamaConfig requires.
   */
  public void check(ModelShape shape) {
    if (shape.dModel() % shape.heads() != 0) {
      throw new IllegalArgumentException("a Llama's dModel " + shape.dModel() + " is not a multiple of heads "
          + shape.heads());
    }
    if (shape.heads() % keyValueHeads != 0) {
      throw new IllegalArgumentException("a Llama's heads " + shape.heads() + " are not a multiple of keyValueHeads "
          + keyValueHeads);
    }
    if (headDim(shape) % 2 != 0) {
      throw new IllegalArgumentException("rotary embeddings need an even head_dim, got " + headDim(shape));
    }
  }

  /** Parameters of a Llama of this shape: embedding, [lm_head], per layer attention, MLP and two norms, final norm. */
  public long parameters(ModelShape shape) {
    long d = shape.dModel();
    long attentionWidth = (long) shape.heads() * headDim(shape);
    long keyValueWidth = (long) keyValueHeads * headDim(shape);
    long attention = 2 * d * attentionWidth + 2 * d * keyValueWidth;
    long mlp = 3 * d * intermediateSize;
    long embedding = (long) shape.vocabSize() * d;
    return embedding * (tieWordEmbeddings ? 1 : 2) + shape.layers() * (attention + mlp + 2 * d) + d;
  }
}
