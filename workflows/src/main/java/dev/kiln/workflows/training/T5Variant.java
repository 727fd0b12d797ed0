package dev.kiln.workflows.training;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.kiln.workflows.EnumIds;

/**
 * Which T5 a span-corruption run trains when it asks for T5 ({@link TrainingConfig#t5()}) instead of Kiln's own
 * encoder-decoder. In messages it is its id, which is also its {@code toString}, so the config hash reads it.
 */
public enum T5Variant {
  /** The original T5: relu feed-forward, output tied to the embedding and scaled by d_model^-0.5. */
  V1_0("t5-v1_0"),
  /** T5 v1.1: gated-gelu feed-forward, its own output projection, no scaling. */
  V1_1("t5-v1_1");

  private final String id;

  T5Variant(String id) {
    this.id = id;
  }

  @JsonCreator
  public static T5Variant of(String id) {
    return EnumIds.byId(values(), T5Variant::id, id, "T5 variant");
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
