package dev.kiln.activities.hf;

/**
 * Widening of the 16-bit float formats to float32. Both widen exactly (every F16 and BF16 value, subnormals,
 * infinities and NaN included, is a float32 value), so the float32 weights Kiln trains from are the checkpoint's
 * values, not approximations of them. Java 17 has no {@code Float.float16ToFloat}; this is that conversion.
 */
public final class HalfFloats {
  private HalfFloats() {}

  /** IEEE 754 binary16: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits. */
  public static float f16ToFloat(short half) {
    int bits = half & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) { // infinity, or NaN with its payload kept
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) { // zero or subnormal: mantissa * 2^-24, exact in float32
      float magnitude = mantissa * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
  }

  /** bfloat16 is the upper half of a float32: 1 sign bit, 8 exponent bits, 7 mantissa bits. */
  public static float bf16ToFloat(short bf16) {
    return Float.intBitsToFloat((bf16 & 0xffff) << 16);
  }
}
