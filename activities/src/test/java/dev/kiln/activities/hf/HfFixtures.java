package dev.kiln.activities.hf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The model directories infra/hf-fixtures/make-fixtures.sh writes with transformers, and small safetensors files
 * built by hand for the inputs transformers would never write.
 */
final class HfFixtures {
  static final List<String> MODELS =
      List.of("gpt2", "llama-gqa-untied", "llama-gqa-tied", "bert", "roberta", "t5-v1_0", "t5-v1_1");
  static final List<String> VARIANTS = List.of("gpt2-fp16", "gpt2-bf16", "gpt2-sharded");

  private HfFixtures() {}

  static Path dir(String name) {
    URL url = HfFixtures.class.getResource("/hf/" + name + "/config.json");
    if (url == null) {
      throw new IllegalStateException("fixture hf/" + name + " is missing; run infra/hf-fixtures/make-fixtures.sh");
    }
    try {
      return Path.of(url.toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A writable copy of a fixture directory, for tests that break it. */
  static Path copy(String name, Path into) {
    Path target = into.resolve(name);
    try (Stream<Path> files = Files.list(dir(name))) {
      Files.createDirectories(target);
      for (Path file : (Iterable<Path>) files::iterator) {
        Files.copy(file, target.resolve(file.getFileName()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return target;
  }

  static String read(Path file) throws IOException {
    return Files.readString(file);
  }

  /** One tensor to write: its dtype name (as the header spells it), shape and raw little-endian bytes. */
  record Tensor(String dtype, long[] shape, byte[] data) {
    static Tensor f32(long[] shape, float... values) {
      ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
      for (float v : values) {
        buffer.putFloat(v);
      }
      return new Tensor("F32", shape, buffer.array());
    }

    static Tensor bits16(String dtype, long[] shape, int... bits) {
      ByteBuffer buffer = ByteBuffer.allocate(2 * bits.length).order(ByteOrder.LITTLE_ENDIAN);
      for (int b : bits) {
        buffer.putShort((short) b);
      }
      return new Tensor(dtype, shape, buffer.array());
    }
  }

  /** A well-formed safetensors file holding {@code tensors} back to back, in the order given. */
  static byte[] safetensors(Map<String, Tensor> tensors) {
    StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
    long offset = 0;
    List<byte[]> data = new ArrayList<>();
    for (Map.Entry<String, Tensor> entry : tensors.entrySet()) {
      Tensor t = entry.getValue();
      header.append(",\"").append(entry.getKey()).append("\":{\"dtype\":\"").append(t.dtype()).append("\",\"shape\":[");
      for (int i = 0; i < t.shape().length; i++) {
        header.append(i == 0 ? "" : ",").append(t.shape()[i]);
      }
      header.append("],\"data_offsets\":[").append(offset).append(',').append(offset + t.data().length).append("]}");
      offset += t.data().length;
      data.add(t.data());
    }
    header.append('}');
    byte[] body = new byte[Math.toIntExact(offset)];
    int at = 0;
    for (byte[] d : data) {
      System.arraycopy(d, 0, body, at, d.length);
      at += d.length;
    }
    return raw(header.toString(), body);
  }

  /** Any header text and data: for the malformed files. */
  static byte[] raw(String header, byte[] data) {
    byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + headerBytes.length + data.length)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(headerBytes.length)
        .put(headerBytes)
        .put(data)
        .array();
  }

  /** Every tensor of {@code file} as F32, renamed by {@code rename} (null drops it), plus {@code extra}. */
  static byte[] rewrite(SafetensorsFile file, UnaryOperator<String> rename, Map<String, Tensor> extra)
      throws IOException {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (SafetensorsTensor t : file.tensors().values()) {
      String name = rename.apply(t.name());
      if (name != null) {
        out.put(name, Tensor.f32(t.dims(), file.floats(t.name())));
      }
    }
    out.putAll(extra);
    return safetensors(out);
  }
}
