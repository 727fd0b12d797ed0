package dev.kiln.activities.hf;

import java.util.List;

/**
 * Llama (model_type {@code llama}): rotary positions, RMSNorm, SwiGLU feed-forward, grouped-query attention.
 *
 * @param numKeyValueHeads key/value heads; fewer than the query heads means grouped-query attention, each key/value
 *     head serving numAttentionHeads / numKeyValueHeads query heads. Defaults to numAttentionHeads.
 * @param headDim head_dim, or hidden_size / num_attention_heads when absent (it may differ, e.g. in some
 *     derivatives, so projections are sized by it, not by hidden_size)
 * @param hiddenAct the gate's activation, silu by default
 * @param rope the rotary embedding: theta and scaling
 * @param attentionBias q/k/v/o projections carry biases
 * @param mlpBias gate/up/down projections carry biases
 */
public record LlamaConfig(
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    int headDim,
    String hiddenAct,
    int maxPositionEmbeddings,
    double rmsNormEps,
    RopeParameters rope,
    boolean attentionBias,
    boolean mlpBias,
    boolean tieWordEmbeddings,
    Integer bosTokenId,
    List<Integer> eosTokenIds,
    Integer padTokenId)
    implements HfModelConfig {
  public LlamaConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  @Override
  public String modelType() {
    return "llama";
  }

  /** Query heads per key/value head (1 for plain multi-head attention). */
  public int queriesPerKeyValueHead() {
    return numAttentionHeads / numKeyValueHeads;
  }
}
