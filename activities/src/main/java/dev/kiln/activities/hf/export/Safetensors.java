package dev.kiln.activities.hf.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.activities.hf.SafetensorsFile;
import dev.kiln.activities.hf.SafetensorsTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Safetensors files of float32 tensors, for the export: read with the importer's parser, written here (an 8-byte
 * little-endian header length, a JSON header naming each tensor's dtype, shape and byte range, then the data) with
 * the {@code "format": "pt"} metadata that transformers requires of a PyTorch checkpoint, and the header padded with
 * spaces to 8 bytes, as the reference writer does.
 */
public final class Safetensors {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Safetensors() {}

  /**
   * The tensors of a safetensors file as float32, by name, read with the importer's parser
   * ({@link SafetensorsFile}, which checks the header and the byte ranges).
   */
  public static List<Float32Tensor> read(byte[] file) {
    List<Float32Tensor> tensors = new ArrayList<>();
    try (SafetensorsFile parsed = SafetensorsFile.of(file, "the checkpoint's model.safetensors")) {
      for (SafetensorsTensor t : parsed.tensors().values()) {
        tensors.add(new Float32Tensor(t.name(), t.dims(), parsed.floats(t.name())));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the checkpoint's model.safetensors", e);
    }
    return tensors;
  }

  /** A safetensors file of the tensors, in the order given, with {@code metadata} (plus {@code "format": "pt"}). */
  public static byte[] write(List<Float32Tensor> tensors, Map<String, String> metadata) {
    ObjectNode header = JSON.createObjectNode();
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "pt");
    meta.putAll(metadata);
    ObjectNode metaNode = header.putObject("__metadata__");
    meta.forEach(metaNode::put);
    long offset = 0;
    for (Float32Tensor t : tensors) {
      ObjectNode info = header.putObject(t.name());
      info.put("dtype", "F32");
      var shape = info.putArray("shape");
      for (long dim : t.shape()) {
        shape.add(dim);
      }
      long size = 4L * t.values().length;
      info.putArray("data_offsets").add(offset).add(offset + size);
      offset += size;
    }
    byte[] headerBytes;
    try {
      headerBytes = JSON.writeValueAsBytes(header);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int padded = (headerBytes.length + 7) / 8 * 8;
    ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + padded + offset)).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(padded);
    out.put(headerBytes);
    for (int i = headerBytes.length; i < padded; i++) {
      out.put((byte) ' ');
    }
    for (Float32Tensor t : tensors) {
      out.asFloatBuffer().put(t.values());
      out.position(out.position() + 4 * t.values().length);
    }
    return out.array();
  }

  /**
   * The tensors of a checkpoint in the order of {@code expected} (name to shape).
   *
   * @param model what the checkpoint should be, for messages ("a GPT of shape ...")
   * @param otherKind what a tensor of another kind of model means, for messages
   * @throws IllegalArgumentException naming the tensor when one is missing, extra or of another shape (a checkpoint
   *     of another architecture or size is never half-exported)
   */
  static List<Float32Tensor> matching(
      List<Float32Tensor> tensors, Map<String, long[]> expected, String model, String otherKind) {
    Map<String, Float32Tensor> byName = new TreeMap<>();
    for (Float32Tensor t : tensors) {
      long[] want = expected.get(t.name());
      if (want == null) {
        throw new IllegalArgumentException("checkpoint has tensor '" + t.name() + "', which " + model
            + " does not have: " + otherKind);
      }
      if (!Arrays.equals(want, t.shape())) {
        throw new IllegalArgumentException("tensor '" + t.name() + "' is " + t.shapeText() + " but " + model + " has "
            + Arrays.toString(want));
      }
      byName.put(t.name(), t);
    }
    List<Float32Tensor> out = new ArrayList<>();
    for (String name : expected.keySet()) {
      Float32Tensor t = byName.get(name);
      if (t == null) {
        throw new IllegalArgumentException("checkpoint lacks tensor '" + name + "' of " + model);
      }
      out.add(t);
    }
    return out;
  }
}
