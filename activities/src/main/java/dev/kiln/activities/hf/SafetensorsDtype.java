package dev.kiln.activities.hf;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The element types a safetensors header may name, with their sizes. All are known so that any well-formed file's
 * offsets can be validated; {@link SafetensorsFile} decodes the float types Kiln trains from (F32, F16, BF16) and
 * the integer types that hold ids (I32, I64).
 */
public enum SafetensorsDtype {
  BOOL(1),
  U8(1),
  I8(1),
  F8_E5M2(1),
  F8_E4M3(1),
  I16(2),
  U16(2),
  F16(2),
  BF16(2),
  I32(4),
  U32(4),
  F32(4),
  F64(8),
  I64(8),
  U64(8);

  private final int size;

  SafetensorsDtype(int size) {
    this.size = size;
  }

  /** Bytes per element. */
  public int size() {
    return size;
  }

  /** The dtype a header names, or null when the name is none of them. */
  static SafetensorsDtype byName(String name) {
    for (SafetensorsDtype dtype : values()) {
      if (dtype.name().equals(name)) {
        return dtype;
      }
    }
    return null;
  }

  static String names() {
    return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
  }
}
