package dev.kiln.activities.hf;

import java.util.List;

/**
 * GPT-2 (model_type {@code gpt2}): learned positions, pre-LayerNorm blocks, fused QKV. config.json names
 * differ from the generic ones: n_embd, n_layer, n_head, n_positions, n_inner.
 *
 * @param intermediateSize n_inner, or 4 × n_embd when it is null or absent
 * @param activationFunction gelu_new (tanh approximation) by default, not the exact gelu
 * @param scaleAttnWeights divide attention scores by sqrt(head size) (true in every released model)
 * @param scaleAttnByInverseLayerIdx also divide by (layer index + 1)
 * @param reorderAndUpcastAttn compute attention in float32 under mixed precision (a numerics detail)
 */
public record Gpt2Config(
    int vocabSize,
    int maxPositionEmbeddings,
    int hiddenSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int intermediateSize,
    String activationFunction,
    double layerNormEpsilon,
    boolean scaleAttnWeights,
    boolean scaleAttnByInverseLayerIdx,
    boolean reorderAndUpcastAttn,
    boolean tieWordEmbeddings,
    Integer bosTokenId,
    List<Integer> eosTokenIds,
    Integer padTokenId)
    implements HfModelConfig {
  public Gpt2Config {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  @Override
  public String modelType() {
    return "gpt2";
  }
}
