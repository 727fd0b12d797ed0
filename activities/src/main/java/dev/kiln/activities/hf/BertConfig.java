package dev.kiln.activities.hf;

/**
 * BERT (model_type {@code bert}): learned absolute positions, token types, post-LayerNorm blocks, and a masked-LM
 * head (dense + activation + LayerNorm, then the output projection tied to the word embeddings).
 *
 * @param hiddenAct the feed-forward's and the MLM head transform's activation; gelu here is the exact (erf) gelu
 * @param typeVocabSize rows of token_type_embeddings (segment A/B)
 * @param padTokenId the word embedding's padding row (0 by default)
 */
public record BertConfig(
    int vocabSize,
    int hiddenSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int intermediateSize,
    String hiddenAct,
    int maxPositionEmbeddings,
    int typeVocabSize,
    double layerNormEps,
    Integer padTokenId,
    boolean tieWordEmbeddings)
    implements HfModelConfig {
  @Override
  public String modelType() {
    return "bert";
  }
}
