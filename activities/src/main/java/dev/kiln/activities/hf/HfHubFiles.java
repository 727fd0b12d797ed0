package dev.kiln.activities.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The files of a Hub repository that Kiln needs to load a model, and the checks on file names that come from the
 * Hub (a shard index is data from the network; a name like {@code ../../x} must not escape the cache).
 */
final class HfHubFiles {
  static final String CONFIG = "config.json";
  static final String WEIGHTS = "model.safetensors";
  static final String WEIGHTS_INDEX = "model.safetensors.index.json";
  /** Read when present; a model without them still loads (defaults, or a tokenizer from elsewhere). */
  static final List<String> OPTIONAL = List.of("generation_config.json", "tokenizer.json", "tokenizer_config.json",
      "special_tokens_map.json", "README.md");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_INDEX_BYTES = 64L << 20;

  private HfHubFiles() {}

  /**
   * Checks that a repository file name is a plain relative path, as huggingface_hub requires before it joins one
   * to the cache directory.
   */
  static String checkRelative(HfModelId id, String file) {
    boolean bad = file == null || file.isEmpty() || file.startsWith("/") || file.contains("\\")
        || file.indexOf('\0') >= 0 || file.endsWith("/");
    if (!bad) {
      for (String part : file.split("/", -1)) {
        if (part.isEmpty() || part.equals(".") || part.equals("..")) {
          bad = true;
          break;
        }
      }
    }
    if (bad) {
      throw new HfHubException("Hugging Face model '" + id.repoId() + "' names a file '" + file
          + "' that is not a relative path inside the repository; it is not downloaded."
          + " Fix: use a revision whose model.safetensors.index.json names its shards plainly");
    }
    return file;
  }

  /**
   * The shard files a {@code model.safetensors.index.json} maps tensors to, in name order.
   *
   * @throws HfHubException if the index is not the Hub's format
   */
  static List<String> shards(HfModelId id, String commit, Path index) {
    JsonNode map;
    try {
      if (Files.size(index) > MAX_INDEX_BYTES) {
        throw badIndex(id, commit, "it is larger than 64 MiB");
      }
      map = JSON.readTree(index.toFile()).path("weight_map");
    } catch (IOException e) {
      throw badIndex(id, commit, "it is not JSON");
    }
    if (!map.isObject() || map.isEmpty()) {
      throw badIndex(id, commit, "it has no \"weight_map\" object of tensor name to shard file");
    }
    Set<String> shards = new TreeSet<>();
    for (JsonNode shard : map) {
      if (!shard.isTextual()) {
        throw badIndex(id, commit, "a \"weight_map\" value is not a file name");
      }
      shards.add(checkRelative(id, shard.asText()));
    }
    return List.copyOf(shards);
  }

  private static HfHubException badIndex(HfModelId id, String commit, String why) {
    return new HfHubException("Hugging Face model '" + id.repoId() + "' at commit " + commit + ": " + WEIGHTS_INDEX
        + " cannot be read: " + why + ". Fix: use a revision with a valid shard index");
  }
}
