package dev.kiln.workflows.training;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.kiln.workflows.EnumIds;

/**
 * The nonlinearity of a transformer block's MLP. Kiln has always trained with the exact GELU; GPT-2 was trained
 * with the tanh approximation, so a decoder meant to be GPT-2's maths exactly (and to load as a Hugging Face
 * {@code GPT2LMHeadModel} with GPT-2's own setting) trains with {@link #GELU_TANH}. Each id is the name
 * Hugging Face's {@code activation_function} gives the same function, so an export writes the id as it is.
 */
public enum MlpActivation {
  /** x * Phi(x) with the error function: Kiln's default, so the numerics of every existing run stay as they were. */
  GELU("gelu"),
  /** 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))): GPT-2's, which Hugging Face calls {@code gelu_new}. */
  GELU_TANH("gelu_new");

  private final String id;

  MlpActivation(String id) {
    this.id = id;
  }

  /** The activation a config without one means: what runs trained with before the choice existed. */
  public static MlpActivation orDefault(MlpActivation activation) {
    return activation == null ? GELU : activation;
  }

  @JsonCreator
  public static MlpActivation of(String id) {
    return EnumIds.byId(values(), MlpActivation::id, id, "MLP activation");
  }

  /** Also Hugging Face's {@code activation_function} name of the same function. */
  @JsonValue
  public String id() {
    return id;
  }

  @Override
  public String toString() {
    return id;
  }
}
