package dev.kiln.activities.hf;

import java.util.List;

/**
 * RoBERTa (model_type {@code roberta}): BERT's layout under the {@code roberta.} prefix, with two differences the
 * maths must follow. Positions are numbered from pad_token_id + 1 (padding tokens take position pad_token_id), so
 * max_position_embeddings is the usable length + pad_token_id + 1 (514 for 512 tokens in the released models). The
 * MLM head ({@code lm_head.*}) always uses the exact gelu, whatever hidden_act says.
 */
public record RobertaConfig(
    int vocabSize,
    int hiddenSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int intermediateSize,
    String hiddenAct,
    int maxPositionEmbeddings,
    int typeVocabSize,
    double layerNormEps,
    int padTokenId,
    Integer bosTokenId,
    List<Integer> eosTokenIds,
    boolean tieWordEmbeddings)
    implements HfModelConfig {
  public RobertaConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  @Override
  public String modelType() {
    return "roberta";
  }

  /** The longest input the position table covers: positions run from pad_token_id + 1. */
  public int maxSequenceLength() {
    return maxPositionEmbeddings - padTokenId - 1;
  }
}
