package dev.kiln.activities.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A model's weights as transformers saves them: one {@code model.safetensors}, or, above its shard size, several
 * {@code model-0000k-of-0000n.safetensors} and a {@code model.safetensors.index.json} whose {@code weight_map} says
 * which shard holds each tensor. Callers read tensors by name without caring which file holds them.
 *
 * <p>Opening checks the index against the shards: every shard it names exists and holds the tensors it is said to,
 * and no tensor is stored twice.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
  public static final String SINGLE_FILE = "model.safetensors";
  public static final String INDEX_FILE = "model.safetensors.index.json";
  private static final long MAX_INDEX_BYTES = 64L << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<SafetensorsFile> files;
  private final Map<String, SafetensorsFile> byTensor;
  private final boolean sharded;

  private SafetensorsCheckpoint(List<SafetensorsFile> files, Map<String, SafetensorsFile> byTensor, boolean sharded) {
    this.files = List.copyOf(files);
    this.byTensor = Collections.unmodifiableMap(byTensor);
    this.sharded = sharded;
  }

  /** Whether {@code source} holds weights Kiln can read: the single file or the index. */
  public static boolean present(HfFileSource source) throws IOException {
    return source.exists(SINGLE_FILE) || source.exists(INDEX_FILE);
  }

  /**
   * The single file if there is one (transformers prefers it too), else the index and its shards.
   *
   * @throws HfMissingFileException when neither is there, or a shard the index names is missing
   */
  public static SafetensorsCheckpoint open(HfFileSource source) throws IOException {
    if (source.exists(SINGLE_FILE)) {
      SafetensorsFile file = openFile(source, SINGLE_FILE);
      Map<String, SafetensorsFile> byTensor = new TreeMap<>();
      file.names().forEach(name -> byTensor.put(name, file));
      return new SafetensorsCheckpoint(List.of(file), byTensor, false);
    }
    if (source.exists(INDEX_FILE)) {
      return openSharded(source);
    }
    throw missingWeights(source);
  }

  /** Tensor names, sorted. */
  public Set<String> names() {
    return byTensor.keySet();
  }

  public boolean contains(String name) {
    return byTensor.containsKey(name);
  }

  public SafetensorsTensor tensor(String name) {
    return fileOf(name).tensor(name);
  }

  public float[] floats(String name) throws IOException {
    return fileOf(name).floats(name);
  }

  /** {@link SafetensorsFile#floatBuffer(String)} of the file that holds {@code name}. */
  public FloatBuffer floatBuffer(String name) throws IOException {
    return fileOf(name).floatBuffer(name);
  }

  public long[] longs(String name) throws IOException {
    return fileOf(name).longs(name);
  }

  public ByteBuffer rawBytes(String name) throws IOException {
    return fileOf(name).rawBytes(name);
  }

  /** The file that holds {@code name}. */
  public SafetensorsFile fileOf(String name) {
    SafetensorsFile file = byTensor.get(name);
    if (file == null) {
      throw new HfWeightsMismatchException(
          name, "the checkpoint has no tensor " + name + " (it has " + byTensor.size() + " tensors)");
    }
    return file;
  }

  /** The files read, in shard order. */
  public List<SafetensorsFile> files() {
    return files;
  }

  public boolean sharded() {
    return sharded;
  }

  @Override
  public void close() throws IOException {
    IOException first = null;
    for (SafetensorsFile file : files) {
      try {
        file.close();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private static SafetensorsCheckpoint openSharded(HfFileSource source) throws IOException {
    String index = source.describe() + "/" + INDEX_FILE;
    Map<String, List<String>> tensorsByShard = readWeightMap(source.readAll(INDEX_FILE, MAX_INDEX_BYTES), index);
    for (Map.Entry<String, List<String>> shard : tensorsByShard.entrySet()) {
      if (!source.exists(shard.getKey())) {
        List<String> tensors = shard.getValue();
        throw new HfMissingFileException(
            shard.getKey(),
            index
                + " maps "
                + tensors.size()
                + " tensor(s) (e.g. "
                + tensors.get(0)
                + ") to shard "
                + shard.getKey()
                + ", which is not in "
                + source.describe()
                + ": download every shard the index lists ("
                + String.join(", ", tensorsByShard.keySet())
                + ")");
      }
    }
    List<SafetensorsFile> files = new ArrayList<>();
    Map<String, SafetensorsFile> byTensor = new TreeMap<>();
    try {
      for (Map.Entry<String, List<String>> shard : tensorsByShard.entrySet()) {
        SafetensorsFile file = openFile(source, shard.getKey());
        files.add(file);
        for (String tensor : shard.getValue()) {
          if (!file.contains(tensor)) {
            throw new SafetensorsFormatException(
                index
                    + " maps tensor "
                    + tensor
                    + " to "
                    + shard.getKey()
                    + ", which has no such tensor: the shards and the index come from different saves;"
                    + " download them again together");
          }
          byTensor.put(tensor, file);
        }
      }
      rejectDuplicates(files, index);
    } catch (IOException | RuntimeException e) {
      for (SafetensorsFile file : files) {
        file.close();
      }
      throw e;
    }
    return new SafetensorsCheckpoint(files, byTensor, true);
  }

  private static void rejectDuplicates(List<SafetensorsFile> files, String index) {
    Map<String, SafetensorsFile> seen = new TreeMap<>();
    for (SafetensorsFile file : files) {
      for (String tensor : file.names()) {
        SafetensorsFile other = seen.putIfAbsent(tensor, file);
        if (other != null) {
          throw new SafetensorsFormatException(
              "tensor "
                  + tensor
                  + " is stored in both "
                  + other.source()
                  + " and "
                  + file.source()
                  + " (shards of "
                  + index
                  + "): the shards come from different saves; download them again together");
        }
      }
    }
  }

  /** The index's weight_map grouped by shard, in shard order; a tensor maps to exactly one shard. */
  static Map<String, List<String>> readWeightMap(byte[] json, String index) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new SafetensorsFormatException(
          index + " is not valid JSON (line " + e.getLocation().getLineNr() + "): download it again");
    } catch (IOException e) {
      throw new SafetensorsFormatException(index + " cannot be read as JSON: download it again", e);
    }
    JsonNode weightMap = root == null ? null : root.get("weight_map");
    if (weightMap == null || !weightMap.isObject() || weightMap.isEmpty()) {
      throw new SafetensorsFormatException(
          index + " has no weight_map object naming each tensor's shard: it is not a safetensors index");
    }
    Map<String, List<String>> byShard = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (!entry.getValue().isTextual() || !entry.getValue().asText().endsWith(".safetensors")) {
        throw new SafetensorsFormatException(
            index + ": weight_map." + entry.getKey() + " is not the name of a .safetensors shard");
      }
      byShard.computeIfAbsent(entry.getValue().asText(), k -> new ArrayList<>()).add(entry.getKey());
    }
    return new LinkedHashMap<>(byShard);
  }

  private static SafetensorsFile openFile(HfFileSource source, String name) throws IOException {
    RandomAccessBytes bytes = source.open(name);
    try {
      return SafetensorsFile.read(bytes, source.describe() + "/" + name);
    } catch (IOException | RuntimeException e) {
      bytes.close();
      throw e;
    }
  }

  private static HfMissingFileException missingWeights(HfFileSource source) throws IOException {
    String where = source.describe();
    if (source.exists("pytorch_model.bin") || source.exists("pytorch_model.bin.index.json")) {
      return new HfMissingFileException(
          SINGLE_FILE,
          where
              + " has pytorch_model.bin but no "
              + SINGLE_FILE
              + ": Kiln reads only safetensors (a pickle file can run code when loaded); convert it by loading the"
              + " model in transformers and calling save_pretrained, which writes safetensors");
    }
    return new HfMissingFileException(
        SINGLE_FILE,
        where + " has no weights: neither " + SINGLE_FILE + " nor " + INDEX_FILE + " with its shards");
  }
}
