package dev.kiln.activities.hf.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.activities.hf.SafetensorsFile;
import dev.kiln.activities.hf.SafetensorsTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    for (Float32Tensor t : tensors) {
      shapes.put(t.name(), t.shape());
    }
    byte[] header = header(shapes, metadata);
    long dataBytes = tensors.stream().mapToLong(t -> 4L * t.values().length).sum();
    ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(header.length + dataBytes)).order(ByteOrder.LITTLE_ENDIAN);
    out.put(header);
    for (Float32Tensor t : tensors) {
      out.asFloatBuffer().put(t.values());
      out.position(out.position() + 4 * t.values().length);
    }
    return out.array();
  }

  /** A tensor's values, asked for when its turn comes to be written. */
  @FunctionalInterface
  public interface Values {
    float[] of(String name) throws IOException;
  }

  /**
   * Writes a safetensors file of tensors of these shapes, in this order, asking for each one's values only when it is
   * written: a model as large as the heap is written while one tensor at a time is in memory (the byte[]
   * {@link #write(List, Map)} needs every tensor and the whole file at once).
   */
  public static void write(Path file, Map<String, long[]> shapes, Map<String, String> metadata, Values values)
      throws IOException {
    ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      writeFully(out, ByteBuffer.wrap(header(shapes, metadata)));
      for (Map.Entry<String, long[]> e : shapes.entrySet()) {
        float[] v = values.of(e.getKey());
        long size = Arrays.stream(e.getValue()).reduce(1, Math::multiplyExact);
        if (v.length != size) {
          throw new IllegalArgumentException("tensor '" + e.getKey() + "' of shape " + Arrays.toString(e.getValue())
              + " needs " + size + " values, got " + v.length);
        }
        for (int at = 0; at < v.length; ) {
          int n = Math.min(v.length - at, chunk.capacity() / 4);
          chunk.clear();
          chunk.asFloatBuffer().put(v, at, n);
          chunk.limit(4 * n);
          writeFully(out, chunk);
          at += n;
        }
      }
    }
  }

  private static void writeFully(FileChannel out, ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      out.write(bytes);
    }
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
      long size = 4L * Arrays.stream(t.getValue()).reduce(1, Math::multiplyExact);
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
}
