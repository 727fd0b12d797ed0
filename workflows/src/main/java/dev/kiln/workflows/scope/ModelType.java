package dev.kiln.workflows.scope;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.kiln.workflows.EnumIds;
import dev.kiln.workflows.training.EncoderFlavor;
import dev.kiln.workflows.training.T5Variant;
import dev.kiln.workflows.training.TrainingConfig;

/**
 * The network a run trains within its family ({@link Architecture}): one of Hugging Face's, parameter for parameter
 * (so the run leaves as a directory transformers loads), or Kiln's own pre-LayerNorm encoder and encoder-decoder.
 * The ids are transformers' {@code model_type} where there is one. A run spec names it in
 * {@code training.architecture}; the scope stage picks the family's default when it does not.
 */
public enum ModelType {
  /** Kiln's GPT: GPT-2's maths (GPT2LMHeadModel), with the exact GELU unless {@code training.activation: gelu_new}. */
  GPT2("gpt2", Architecture.DECODER),
  /** LlamaForCausalLM: RMSNorm, rotary positions, SwiGLU, grouped-query attention. */
  LLAMA("llama", Architecture.DECODER),
  /** BertForMaskedLM. */
  BERT("bert", Architecture.ENCODER),
  /** RobertaForMaskedLM. */
  ROBERTA("roberta", Architecture.ENCODER),
  /** Kiln's pre-LayerNorm encoder, which transformers has no class for. */
  KILN_ENCODER("kiln-encoder", Architecture.ENCODER),
  /** T5ForConditionalGeneration as T5 v1.1: gated GELU, untied head. */
  T5_V1_1("t5-v1_1", Architecture.ENCODER_DECODER),
  /** T5ForConditionalGeneration as the original T5: ReLU, tied and scaled head. */
  T5_V1_0("t5-v1_0", Architecture.ENCODER_DECODER),
  /** Kiln's own pre-LayerNorm encoder-decoder, which transformers has no class for. */
  KILN_ENCODER_DECODER("kiln-encoder-decoder", Architecture.ENCODER_DECODER);

  private final String id;
  private final Architecture family;

  ModelType(String id, Architecture family) {
    this.id = id;
    this.family = family;
  }

  @JsonCreator
  public static ModelType of(String id) {
    return EnumIds.byId(values(), ModelType::id, id, "model type");
  }

  /**
   * What the scope stage picks for a family when the spec names none: the network transformers loads (GPT-2, BERT,
   * T5 v1.1), so every run leaves as a Hugging Face directory.
   */
  public static ModelType defaultFor(Architecture family) {
    return switch (family) {
      case DECODER -> GPT2;
      case ENCODER -> BERT;
      case ENCODER_DECODER -> T5_V1_1;
    };
  }

  /**
   * What a run of the family trained before runs could choose: Kiln's GPT, encoder and encoder-decoder. A scope plan,
   * selection or hub card recorded then names no model type and means this one, so runs in flight keep their config.
   */
  public static ModelType legacyFor(Architecture family) {
    return switch (family) {
      case DECODER -> GPT2;
      case ENCODER -> KILN_ENCODER;
      case ENCODER_DECODER -> KILN_ENCODER_DECODER;
    };
  }

  /** The model type a training config trains. */
  public static ModelType of(TrainingConfig config) {
    if (config.llama() != null) {
      return LLAMA;
    }
    if (config.encoderFlavor() != null) {
      return config.encoderFlavor() == EncoderFlavor.BERT ? BERT : ROBERTA;
    }
    if (config.t5() != null) {
      return config.t5() == T5Variant.V1_0 ? T5_V1_0 : T5_V1_1;
    }
    return legacyFor(config.objective().architecture());
  }

  /** The family it belongs to. */
  public Architecture family() {
    return family;
  }

  /** BERT or RoBERTa for those, else null (the config's encoderFlavor). */
  public EncoderFlavor encoderFlavor() {
    return this == BERT ? EncoderFlavor.BERT : this == ROBERTA ? EncoderFlavor.ROBERTA : null;
  }

  /** The T5 variant for the T5s, else null (the config's t5). */
  public T5Variant t5Variant() {
    return this == T5_V1_1 ? T5Variant.V1_1 : this == T5_V1_0 ? T5Variant.V1_0 : null;
  }

  /** Also the value of {@code training.architecture}. */
  @JsonValue
  public String id() {
    return id;
  }

  @Override
  public String toString() {
    return id;
  }
}
