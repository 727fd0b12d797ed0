package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;

/**
 * One Llama decoder layer ({@code LlamaDecoderLayer}): pre-RMSNorm grouped-query self-attention, then a pre-RMSNorm
 * SwiGLU MLP, each added back to the residual stream. Parameter names under the layer's prefix are transformers':
 * {@code input_layernorm, self_attn, post_attention_layernorm, mlp}.
 */
final class LlamaBlock {
  private final RmsNorm beforeAttention;
  private final GroupedQueryAttention attention;
  private final RmsNorm beforeMlp;
  private final SwiGluFeedForward mlp;

  LlamaBlock(
      NamedParameters p, String prefix, int d, int heads, int keyValueHeads, int headDim, int intermediate,
      double rmsNormEps, double initStd, RotaryEmbedding rotary, DropoutRate attentionDropout) {
    beforeAttention = RmsNorm.of(p, prefix + "input_layernorm", d, rmsNormEps);
    attention = new GroupedQueryAttention(
        p, prefix + "self_attn", d, heads, keyValueHeads, headDim, initStd, rotary, attentionDropout);
    beforeMlp = RmsNorm.of(p, prefix + "post_attention_layernorm", d, rmsNormEps);
    mlp = new SwiGluFeedForward(p, prefix + "mlp", d, intermediate, initStd);
  }

  NDArray forward(NDArray x, NDArray causal, boolean training) {
    // In place into each sub-layer's fresh output, as TransformerBlock: x itself is saved by the norm that read it.
    x = attention.forward(beforeAttention.apply(x), causal, training).addi(x);
    return mlp.forward(beforeMlp.apply(x)).addi(x);
  }
}
