package dev.kiln.activities.hf;

import java.util.List;

/**
 * One tensor's entry in a safetensors header: where its bytes are and how to read them.
 *
 * @param name the parameter name, as the model's state dict has it (e.g. {@code transformer.h.0.attn.c_attn.weight})
 * @param dtype element type
 * @param shape dimensions, outermost first (row-major, as PyTorch stores them); empty for a scalar
 * @param begin start of its bytes, counted from the end of the header
 * @param end end (exclusive) of its bytes, counted from the end of the header
 */
public record SafetensorsTensor(String name, SafetensorsDtype dtype, List<Long> shape, long begin, long end) {
  public SafetensorsTensor {
    shape = List.copyOf(shape);
  }

  /** The shape as DJL's {@code Shape} and most array code take it. */
  public long[] dims() {
    return shape.stream().mapToLong(Long::longValue).toArray();
  }

  /** Number of elements: the product of the shape (1 for a scalar). */
  public long elementCount() {
    long count = 1;
    for (long dim : shape) {
      count = Math.multiplyExact(count, dim);
    }
    return count;
  }

  public long byteLength() {
    return end - begin;
  }

  /** The shape written as transformers prints it, e.g. {@code [50257, 768]}. */
  public String shapeText() {
    return shape.toString();
  }
}
