package dev.kiln.activities.hf.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format for float32 tensors: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the data. Written with the {@code "format": "pt"} metadata that
 * transformers requires of a PyTorch checkpoint, and the header padded with spaces to 8 bytes, as the reference
 * writer does.
 */
public final class Safetensors {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Safetensors() {}

  /** The tensors of a float32 safetensors file, in file order. */
  public static List<Float32Tensor> read(byte[] file) {
    if (file.length < 8) {
      throw new IllegalArgumentException("not a safetensors file: " + file.length + " bytes");
    }
    ByteBuffer buffer = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    long headerLength = buffer.getLong(0);
    if (headerLength <= 0 || headerLength > file.length - 8) {
      throw new IllegalArgumentException("not a safetensors file: header of " + headerLength + " bytes in " + file.length);
    }
    JsonNode header;
    try {
      header = JSON.readTree(new String(file, 8, (int) headerLength, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalArgumentException("safetensors header is not JSON", e);
    }
    long dataStart = 8 + headerLength;
    List<Float32Tensor> tensors = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (entry.getKey().equals("__metadata__")) {
        continue;
      }
      JsonNode info = entry.getValue();
      if (!info.path("dtype").asText().equals("F32")) {
        throw new IllegalArgumentException(
            "tensor '" + entry.getKey() + "' is " + info.path("dtype").asText() + "; only F32 weights can be exported");
      }
      long[] shape = new long[info.path("shape").size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = info.path("shape").get(i).asLong();
      }
      long begin = dataStart + info.path("data_offsets").get(0).asLong();
      long end = dataStart + info.path("data_offsets").get(1).asLong();
      if (begin > end || end > file.length) {
        throw new IllegalArgumentException("tensor '" + entry.getKey() + "' lies outside the file");
      }
      float[] values = new float[Math.toIntExact((end - begin) / 4)];
      ByteBuffer.wrap(file, (int) begin, (int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
      tensors.add(new Float32Tensor(entry.getKey(), shape, values));
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
}
