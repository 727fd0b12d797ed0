package dev.kiln.activities.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.FloatBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and
 * byte range, then the tensors' bytes. Opening parses and validates the header only (the same checks the reference
 * implementation makes: ranges within the file, back to back without gap or overlap, each exactly shape × dtype
 * size); a tensor's bytes are read when asked for, from the one mapping of the file.
 *
 * <p>Every error names the file (as given by {@code source}) and, where there is one, the tensor.
 */
public final class SafetensorsFile implements AutoCloseable {
  /** The reference implementation refuses headers above 100 MB; a real one is a few hundred KB at most. */
  static final long MAX_HEADER_BYTES = 100_000_000L;

  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final String METADATA_KEY = "__metadata__";

  private final String source;
  private final RandomAccessBytes bytes;
  private final long dataStart;
  private final Map<String, String> metadata;
  private final Map<String, SafetensorsTensor> tensors;

  private SafetensorsFile(
      String source,
      RandomAccessBytes bytes,
      long dataStart,
      Map<String, String> metadata,
      Map<String, SafetensorsTensor> tensors) {
    this.source = source;
    this.bytes = bytes;
    this.dataStart = dataStart;
    this.metadata = metadata;
    this.tensors = tensors;
  }

  /** Memory-maps {@code file}; close the result to release the file. */
  public static SafetensorsFile open(Path file) throws IOException {
    RandomAccessBytes bytes = RandomAccessBytes.map(file);
    try {
      return read(bytes, file.toString());
    } catch (IOException | RuntimeException e) {
      bytes.close();
      throw e;
    }
  }

  /** Bytes already in memory; {@code source} names them in errors (a file name or key). */
  public static SafetensorsFile of(byte[] bytes, String source) {
    return of(ByteBuffer.wrap(bytes), source);
  }

  public static SafetensorsFile of(ByteBuffer bytes, String source) {
    try {
      return read(RandomAccessBytes.of(bytes), source);
    } catch (IOException e) {
      throw new IllegalStateException("in-memory bytes cannot fail to read", e);
    }
  }

  /** Parses the header of {@code bytes}; the result owns {@code bytes} and closes them. */
  public static SafetensorsFile read(RandomAccessBytes bytes, String source) throws IOException {
    long size = bytes.size();
    if (size < 8) {
      throw error(
          source,
          "is "
              + size
              + " bytes, too short for the 8-byte header length that starts every safetensors file: it is truncated"
              + " or not safetensors; download it again");
    }
    long headerLength = bytes.slice(0, 8).getLong(0);
    if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
      throw error(
          source,
          "declares a header of "
              + Long.toUnsignedString(headerLength)
              + " bytes, more than the format's limit of "
              + MAX_HEADER_BYTES
              + ": it is not a safetensors file, or its first 8 bytes are damaged");
    }
    if (8 + headerLength > size) {
      throw error(
          source,
          "declares a header of "
              + headerLength
              + " bytes but only "
              + (size - 8)
              + " follow the length: the file is truncated; download it again");
    }
    String headerText = utf8(bytes.slice(8, (int) headerLength), source);
    long dataStart = 8 + headerLength;
    long dataLength = size - dataStart;
    Map<String, String> metadata = new LinkedHashMap<>();
    Map<String, SafetensorsTensor> tensors = parseHeader(headerText, source, metadata);
    validateLayout(tensors.values(), dataLength, source);
    return new SafetensorsFile(
        source, bytes, dataStart, Collections.unmodifiableMap(metadata), Collections.unmodifiableMap(tensors));
  }

  /** The name this file is known by in errors. */
  public String source() {
    return source;
  }

  /** The header's free-form {@code __metadata__} (transformers writes {@code format: pt}); empty when absent. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** Tensor names, sorted. */
  public Set<String> names() {
    return tensors.keySet();
  }

  /** Every tensor's entry, by name (sorted). */
  public Map<String, SafetensorsTensor> tensors() {
    return tensors;
  }

  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  public SafetensorsTensor tensor(String name) {
    SafetensorsTensor tensor = tensors.get(name);
    if (tensor == null) {
      throw new HfWeightsMismatchException(
          name, source + ": has no tensor " + name + " (it has " + tensors.size() + " tensors)");
    }
    return tensor;
  }

  /** The tensor's raw little-endian bytes, read-only. */
  public ByteBuffer rawBytes(String name) throws IOException {
    SafetensorsTensor tensor = tensor(name);
    if (tensor.byteLength() > Integer.MAX_VALUE) {
      throw error(source, "tensor " + name + " is " + tensor.byteLength() + " bytes, more than one buffer holds");
    }
    return bytes.slice(dataStart + tensor.begin(), (int) tensor.byteLength());
  }

  /**
   * The tensor as float32, row-major. F16 and BF16 widen exactly (see {@link HalfFloats}); other dtypes are
   * refused, as silently rounding a F64 or an integer tensor would hide a mistake.
   */
  public float[] floats(String name) throws IOException {
    float[] out = new float[arrayLength(tensor(name))];
    floatBuffer(name).get(out);
    return out;
  }

  /**
   * As {@link #floats(String)}, as a read-only buffer: a F32 tensor is a view of the file's bytes (no copy, so a
   * caller that copies or transposes it into a buffer of its own copies it once); F16 and BF16 are widened into a new
   * buffer.
   */
  public FloatBuffer floatBuffer(String name) throws IOException {
    SafetensorsTensor tensor = tensor(name);
    int count = arrayLength(tensor);
    ByteBuffer data = rawBytes(name);
    float[] out;
    switch (tensor.dtype()) {
      case F32 -> {
        return data.asFloatBuffer();
      }
      case F16 -> {
        out = new float[count];
        for (int i = 0; i < count; i++) {
          out[i] = HalfFloats.f16ToFloat(data.getShort(2 * i));
        }
      }
      case BF16 -> {
        out = new float[count];
        for (int i = 0; i < count; i++) {
          out[i] = HalfFloats.bf16ToFloat(data.getShort(2 * i));
        }
      }
      default -> throw wrongDtype(tensor, "floats() reads F32, F16 and BF16; longs() reads I64 and I32");
    }
    return FloatBuffer.wrap(out).asReadOnlyBuffer();
  }

  /** An integer tensor (I64, or I32 widened), e.g. stored position ids. */
  public long[] longs(String name) throws IOException {
    SafetensorsTensor tensor = tensor(name);
    int count = arrayLength(tensor);
    ByteBuffer data = rawBytes(name);
    long[] out = new long[count];
    switch (tensor.dtype()) {
      case I64 -> data.asLongBuffer().get(out);
      case I32 -> {
        for (int i = 0; i < count; i++) {
          out[i] = data.getInt(4 * i);
        }
      }
      default -> throw wrongDtype(tensor, "longs() reads I64 and I32; floats() reads F32, F16 and BF16");
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    bytes.close();
  }

  private static Map<String, SafetensorsTensor> parseHeader(
      String headerText, String source, Map<String, String> metadata) {
    JsonNode header;
    try {
      header = JSON.readTree(headerText);
    } catch (JsonProcessingException e) {
      // Jackson's message quotes the input; say where instead.
      if (String.valueOf(e.getOriginalMessage()).startsWith("Duplicate field")) {
        throw error(source, "has a header that names one tensor twice: the file is damaged; download it again");
      }
      throw error(
          source,
          "has a header that is not valid JSON (line "
              + e.getLocation().getLineNr()
              + ", column "
              + e.getLocation().getColumnNr()
              + "): the file is damaged; download it again");
    }
    if (header == null || !header.isObject()) {
      throw error(source, "has a header that is not a JSON object: the file is damaged; download it again");
    }
    Map<String, SafetensorsTensor> tensors = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (METADATA_KEY.equals(field.getKey())) {
        readMetadata(field.getValue(), source, metadata);
      } else {
        tensors.put(field.getKey(), tensorEntry(field.getKey(), field.getValue(), source));
      }
    }
    return tensors;
  }

  private static void readMetadata(JsonNode node, String source, Map<String, String> metadata) {
    if (!node.isObject()) {
      throw error(source, "has a __metadata__ that is not an object of strings");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (!entry.getValue().isTextual()) {
        throw error(source, "has __metadata__." + entry.getKey() + " that is not a string");
      }
      metadata.put(entry.getKey(), entry.getValue().asText());
    }
  }

  private static SafetensorsTensor tensorEntry(String name, JsonNode node, String source) {
    if (!node.isObject()) {
      throw error(source, "tensor " + name + ": its header entry is not an object with dtype, shape, data_offsets");
    }
    JsonNode dtypeNode = node.get("dtype");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw error(source, "tensor " + name + ": has no dtype string");
    }
    SafetensorsDtype dtype = SafetensorsDtype.byName(dtypeNode.asText());
    if (dtype == null) {
      throw error(
          source,
          "tensor "
              + name
              + ": dtype "
              + excerpt(dtypeNode.asText())
              + " is not one Kiln knows ("
              + SafetensorsDtype.names()
              + "); save the model as float32, float16 or bfloat16");
    }
    List<Long> shape = new ArrayList<>();
    JsonNode shapeNode = node.get("shape");
    if (shapeNode == null || !shapeNode.isArray()) {
      throw error(source, "tensor " + name + ": has no shape array");
    }
    for (JsonNode dim : shapeNode) {
      if (!dim.canConvertToLong() || !dim.isIntegralNumber() || dim.asLong() < 0) {
        throw error(source, "tensor " + name + ": shape " + excerpt(shapeNode.toString()) + " is not a list of sizes");
      }
      shape.add(dim.asLong());
    }
    JsonNode offsets = node.get("data_offsets");
    if (offsets == null
        || !offsets.isArray()
        || offsets.size() != 2
        || !offsets.get(0).isIntegralNumber()
        || !offsets.get(1).isIntegralNumber()
        || !offsets.get(0).canConvertToLong()
        || !offsets.get(1).canConvertToLong()
        || offsets.get(0).asLong() < 0
        || offsets.get(1).asLong() < 0) {
      throw error(source, "tensor " + name + ": data_offsets is not a pair [begin, end] of byte offsets");
    }
    return new SafetensorsTensor(name, dtype, shape, offsets.get(0).asLong(), offsets.get(1).asLong());
  }

  /**
   * The reference implementation's rules: each tensor's range lies within the data, holds exactly its elements,
   * and the ranges tile the data from its first byte to its last.
   */
  private static void validateLayout(
      Collection<SafetensorsTensor> tensors, long dataLength, String source) {
    for (SafetensorsTensor tensor : tensors) {
      if (tensor.end() < tensor.begin()) {
        throw error(
            source,
            "tensor "
                + tensor.name()
                + ": data_offsets ["
                + tensor.begin()
                + ", "
                + tensor.end()
                + "] end before they begin: the header is damaged");
      }
      if (tensor.end() > dataLength) {
        throw error(
            source,
            "tensor "
                + tensor.name()
                + ": data_offsets ["
                + tensor.begin()
                + ", "
                + tensor.end()
                + "] reach past the end of the data ("
                + dataLength
                + " bytes): the file is truncated; download it again");
      }
      long expected;
      try {
        expected = Math.multiplyExact(tensor.elementCount(), tensor.dtype().size());
      } catch (ArithmeticException e) {
        throw error(source, "tensor " + tensor.name() + ": shape " + tensor.shapeText() + " overflows");
      }
      if (expected != tensor.byteLength()) {
        throw error(
            source,
            "tensor "
                + tensor.name()
                + ": shape "
                + tensor.shapeText()
                + " of "
                + tensor.dtype()
                + " is "
                + expected
                + " bytes but data_offsets ["
                + tensor.begin()
                + ", "
                + tensor.end()
                + "] hold "
                + tensor.byteLength()
                + ": the header is damaged");
      }
    }
    List<SafetensorsTensor> ordered = new ArrayList<>(tensors);
    ordered.sort(Comparator.comparingLong(SafetensorsTensor::begin).thenComparingLong(SafetensorsTensor::end));
    long position = 0;
    SafetensorsTensor previous = null;
    for (SafetensorsTensor tensor : ordered) {
      if (tensor.begin() < position) {
        throw error(
            source,
            "tensor "
                + tensor.name()
                + ": data_offsets ["
                + tensor.begin()
                + ", "
                + tensor.end()
                + "] overlap those of tensor "
                + previous.name()
                + " ["
                + previous.begin()
                + ", "
                + previous.end()
                + "]: the header is damaged");
      }
      if (tensor.begin() > position) {
        throw error(
            source,
            "tensor "
                + tensor.name()
                + ": data_offsets begin at "
                + tensor.begin()
                + ", leaving bytes "
                + position
                + ".."
                + tensor.begin()
                + " that no tensor holds: the header is damaged");
      }
      position = tensor.end();
      previous = tensor;
    }
    if (position != dataLength) {
      throw error(
          source,
          "has "
              + (dataLength - position)
              + " bytes after its last tensor that no tensor holds: the header is damaged or the file was appended to");
    }
  }

  private static String utf8(ByteBuffer header, String source) {
    try {
      CharBuffer chars =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(header);
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw error(source, "has a header that is not UTF-8 text: it is not a safetensors file, or it is damaged");
    }
  }

  private int arrayLength(SafetensorsTensor tensor) {
    long count = tensor.elementCount();
    if (count > Integer.MAX_VALUE - 8) {
      throw error(
          source,
          "tensor " + tensor.name() + " has " + count + " elements, more than one Java array holds; read it with rawBytes");
    }
    return (int) count;
  }

  private SafetensorsFormatException wrongDtype(SafetensorsTensor tensor, String readers) {
    return error(source, "tensor " + tensor.name() + " is " + tensor.dtype() + ": " + readers);
  }

  private static String excerpt(String text) {
    return text.length() <= 40 ? "\"" + text + "\"" : "\"" + text.substring(0, 40) + "…\"";
  }

  static SafetensorsFormatException error(String source, String problem) {
    return new SafetensorsFormatException(source + ": " + problem);
  }
}
