package dev.kiln.workflows;

import java.util.Arrays;
import java.util.function.Function;

/**
 * The lookup the enums of Kiln's messages share: each travels as its id ({@code "clm"}, {@code "bert"}, ...), and an
 * unknown id is an error that lists the known ones.
 */
public final class EnumIds {
  private EnumIds() {}

  /** The value of {@code values} whose {@code id} is {@code id}; {@code what} names the kind in the error. */
  public static <E extends Enum<E>> E byId(E[] values, Function<E, String> idOf, String id, String what) {
    return Arrays.stream(values)
        .filter(v -> idOf.apply(v).equals(id))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException(
            "unknown " + what + " '" + id + "'; known: " + Arrays.stream(values).map(idOf).toList()));
  }
}
