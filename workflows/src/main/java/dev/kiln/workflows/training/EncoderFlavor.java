package dev.kiln.workflows.training;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.kiln.workflows.EnumIds;

/**
 * Which published encoder an MLM run trains instead of Kiln's own pre-LayerNorm encoder: transformers'
 * BertForMaskedLM or RobertaForMaskedLM, parameter for parameter, so the weights load in transformers as they are and
 * a model imported from the Hub continues its pretraining with its own maths. In messages it is its id, like
 * {@link Objective}.
 */
public enum EncoderFlavor {
  /** BertForMaskedLM: positions from 0, two token types, LayerNorm epsilon 1e-12. */
  BERT("bert"),
  /** RobertaForMaskedLM: positions from pad + 1, one token type, LayerNorm epsilon 1e-5. */
  ROBERTA("roberta");

  private final String id;

  EncoderFlavor(String id) {
    this.id = id;
  }

  @JsonCreator
  public static EncoderFlavor of(String id) {
    return EnumIds.byId(values(), EncoderFlavor::id, id, "encoder flavor");
  }

  @JsonValue
  public String id() {
    return id;
  }

  @Override
  public String toString() {
    return id;
  }
}
