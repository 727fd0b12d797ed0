package dev.kiln.workflows.scope;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.kiln.workflows.EnumIds;

/**
 * The transformer family a run trains. In messages and histories it is its id ({@code "decoder"}, ...), as before it
 * was an enum, so recorded payloads read unchanged; {@link #toString} is the id too, so the config hash a checkpoint
 * manifest records does not change either.
 */
public enum Architecture {
  /** Causal self-attention only (GPT). */
  DECODER("decoder"),
  /** Bidirectional self-attention only (BERT). */
  ENCODER("encoder"),
  /** An encoder and a decoder with cross-attention (T5). */
  ENCODER_DECODER("encoder-decoder");

  private final String id;

  Architecture(String id) {
    this.id = id;
  }

  @JsonCreator
  public static Architecture of(String id) {
    return EnumIds.byId(values(), Architecture::id, id, "architecture");
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
