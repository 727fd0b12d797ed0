package dev.kiln.activities.hf.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.activities.hf.SafetensorsFile;
import dev.kiln.activities.hf.SafetensorsTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
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
    Map<String, long[]> shapes = new LinkedHashMap<>();
    Map<String, float[]> values = new HashMap<>();
    for (Float32Tensor t : tensors) {
      shapes.put(t.name(), t.shape());
      values.put(t.name(), t.values());
    }
    try {
      return write(shapes, metadata, (name, out) -> out.put(values.get(name)));
    } catch (IOException e) {
      throw new UncheckedIOException("arrays in memory cannot fail to copy", e);
    }
  }

  /** Puts one tensor's values, row-major, into {@code out}, which holds exactly as many floats as the tensor. */
  @FunctionalInterface
  public interface Values {
    void put(String name, FloatBuffer out) throws IOException;
  }

  /**
   * A safetensors file of tensors of these shapes, in this order: each tensor's values are put straight into the
   * file's bytes, so the caller needs no arrays of its own for tensors it copies or converts from another buffer.
   */
  public static byte[] write(Map<String, long[]> shapes, Map<String, String> metadata, Values values)
      throws IOException {
    byte[] header = header(shapes, metadata);
    long size = header.length;
    for (long[] shape : shapes.values()) {
      size = Math.addExact(size, 4 * elements(shape));
    }
    byte[] file = new byte[Math.toIntExact(size)];
    System.arraycopy(header, 0, file, 0, header.length);
    long at = header.length;
    for (Map.Entry<String, long[]> t : shapes.entrySet()) {
      int bytes = Math.toIntExact(4 * elements(t.getValue()));
      put(t.getKey(), t.getValue(), ByteBuffer.wrap(file, (int) at, bytes).slice(), values);
      at += bytes;
    }
    return file;
  }

  /**
   * As {@link #write(Map, Map, Values)}, into {@code file} (replaced if it exists) through one mapping per tensor: a
   * model as large as the heap is written while the caller holds at most one tensor's values.
   */
  public static void write(Path file, Map<String, long[]> shapes, Map<String, String> metadata, Values values)
      throws IOException {
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer header = ByteBuffer.wrap(header(shapes, metadata));
      while (header.hasRemaining()) {
        out.write(header);
      }
      long at = out.position();
      for (Map.Entry<String, long[]> t : shapes.entrySet()) {
        long bytes = 4 * elements(t.getValue());
        put(t.getKey(), t.getValue(), out.map(FileChannel.MapMode.READ_WRITE, at, bytes), values);
        at += bytes;
      }
    }
  }

  private static void put(String name, long[] shape, ByteBuffer bytes, Values values) throws IOException {
    FloatBuffer out = bytes.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    values.put(name, out);
    if (out.hasRemaining()) {
      throw new IllegalArgumentException("tensor '" + name + "' of shape " + Arrays.toString(shape) + " needs "
          + out.capacity() + " values, got " + out.position());
    }
  }

  private static long elements(long[] shape) {
    return Arrays.stream(shape).reduce(1, Math::multiplyExact);
  }

  /**
   * The 8-byte header length and the JSON header, padded with spaces to a multiple of 8 bytes; the tensors are F32,
   * back to back in the order given.
   */
  private static byte[] header(Map<String, long[]> shapes, Map<String, String> metadata) {
    ObjectNode header = JSON.createObjectNode();
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "pt");
    meta.putAll(metadata);
    ObjectNode metaNode = header.putObject("__metadata__");
    meta.forEach(metaNode::put);
    long offset = 0;
    for (Map.Entry<String, long[]> t : shapes.entrySet()) {
      ObjectNode info = header.putObject(t.getKey());
      info.put("dtype", "F32");
      var shape = info.putArray("shape");
      for (long dim : t.getValue()) {
        shape.add(dim);
      }
      long size = 4 * elements(t.getValue());
      info.putArray("data_offsets").add(offset).add(offset + size);
      offset += size;
    }
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(header);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer out = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(padded);
    out.put(json);
    while (out.hasRemaining()) {
      out.put((byte) ' ');
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
