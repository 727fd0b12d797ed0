package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import dev.kiln.workflows.training.MlpActivation;

/**
 * A pre-LayerNorm transformer block (GPT-2's layout, which trains stably without warm-up tricks): each
 * sub-layer reads a normalised copy of the residual stream and adds its output back. Encoder and GPT blocks
 * have self-attention and an MLP; decoder blocks of an encoder-decoder also attend to the encoder's output
 * between the two.
 *
 * <p>Parameter names under the block's prefix: {@code ln_1, attn, [ln_cross, cross_attn,] ln_2, mlp}.
 */
final class TransformerBlock {
  private final LayerNormWeights beforeSelfAttention;
  private final MultiHeadAttention selfAttention;
  private final LayerNormWeights beforeCrossAttention;
  private final MultiHeadAttention crossAttention;
  private final LayerNormWeights beforeMlp;
  private final FeedForward mlp;

  /**
   * @param residualStd init std of the projections that write into the residual stream; GPT-2 scales them
   *     down with depth so the stream's variance does not grow with the number of blocks
   */
  TransformerBlock(
      NamedParameters p, String prefix, int d, int heads, double initStd, double residualStd, boolean crossAttends,
      DropoutRate dropout, MlpActivation activation) {
    beforeSelfAttention = p.layerNorm(prefix + "ln_1", d);
    selfAttention = MultiHeadAttention.self(p, prefix + "attn", d, heads, initStd, residualStd, dropout);
    if (crossAttends) {
      beforeCrossAttention = p.layerNorm(prefix + "ln_cross", d);
      crossAttention = MultiHeadAttention.cross(p, prefix + "cross_attn", d, heads, initStd, residualStd, dropout);
    } else {
      beforeCrossAttention = null;
      crossAttention = null;
    }
    beforeMlp = p.layerNorm(prefix + "ln_2", d);
    mlp = new FeedForward(p, prefix + "mlp", d, initStd, residualStd, dropout, activation);
  }

  /** A block without cross-attention (encoder or GPT). */
  NDArray forward(NDArray x, NDArray selfMask, boolean training) {
    return forward(x, selfMask, null, null, training);
  }

  /** A decoder block of an encoder-decoder: memory is the encoder's output, memoryMask hides its padding. */
  NDArray forward(NDArray x, NDArray selfMask, NDArray memory, NDArray memoryMask, boolean training) {
    // Each sub-layer's output takes the residual in place (a fresh tensor that no backward needs; x itself is saved
    // by the LayerNorm that read it, so it must not change): one allocation fewer per sub-layer.
    x = selfAttention.forward(beforeSelfAttention.apply(x), selfMask, training).addi(x);
    if (crossAttention != null) {
      x = crossAttention.forward(beforeCrossAttention.apply(x), memory, memoryMask, training).addi(x);
    }
    return mlp.forward(beforeMlp.apply(x), training).addi(x);
  }
}
