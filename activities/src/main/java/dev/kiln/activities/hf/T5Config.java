package dev.kiln.activities.hf;

import java.util.List;

/**
 * T5 (model_type {@code t5}): encoder-decoder, RMS-style LayerNorm without bias, relative position buckets (the
 * bias table lives in the first block of each stack only), no biases anywhere. Covers both T5 v1.0
 * (feed_forward_proj relu, lm_head tied to shared, decoder output scaled by d_model^-0.5 before it) and v1.1
 * (gated-gelu, its own lm_head, no scaling).
 *
 * @param dKv size of each head; heads × d_kv need not equal d_model
 * @param numDecoderLayers decoder blocks, num_layers when absent
 * @param feedForwardProj as written, e.g. relu or gated-gelu
 * @param denseActFn the activation feedForwardProj names; gated-gelu means gelu_new (the tanh approximation)
 * @param gatedAct the feed-forward is wi_0 (activated) × wi_1, then wo; otherwise wi, then wo
 * @param tieWordEmbeddings tie_word_embeddings as config.json says it (absent means true)
 * @param scaleDecoderOutputs multiply the decoder output by d_model^-0.5 before lm_head; config.json's
 *     scale_decoder_outputs when written (transformers 5 writes it), else true unless tie_word_embeddings is false
 * @param decoderStartTokenId the first decoder input; released T5 configs set it to the pad id, 0
 */
public record T5Config(
    int vocabSize,
    int dModel,
    int dKv,
    int dFf,
    int numLayers,
    int numDecoderLayers,
    int numHeads,
    int relativeAttentionNumBuckets,
    int relativeAttentionMaxDistance,
    double layerNormEpsilon,
    String feedForwardProj,
    String denseActFn,
    boolean gatedAct,
    boolean tieWordEmbeddings,
    boolean scaleDecoderOutputs,
    Integer padTokenId,
    List<Integer> eosTokenIds,
    Integer decoderStartTokenId)
    implements HfModelConfig {
  public T5Config {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  @Override
  public String modelType() {
    return "t5";
  }

  @Override
  public int hiddenSize() {
    return dModel;
  }

  @Override
  public int numHiddenLayers() {
    return numLayers;
  }

  @Override
  public int numAttentionHeads() {
    return numHeads;
  }

  /** Width of the attention projections: heads × d_kv. */
  public int innerDim() {
    return numHeads * dKv;
  }
}
