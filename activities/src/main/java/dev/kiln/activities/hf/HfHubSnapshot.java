package dev.kiln.activities.hf;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A model's files at one commit, in the Hugging Face cache: {@code directory} is
 * {@code models--org--name/snapshots/<commit>} and each file in it a symlink to its blob, the directory
 * huggingface_hub's {@code snapshot_download} returns.
 *
 * @param id the model as asked for (its revision may be a branch)
 * @param commit the commit the revision resolved to
 * @param directory the snapshot directory
 * @param files the repository paths present in it: config.json, the weights (one file, or the index and its
 *     shards), and whichever optional files the repository has
 */
public record HfHubSnapshot(HfModelId id, String commit, Path directory, List<String> files) {
  public HfHubSnapshot {
    files = List.copyOf(files);
  }

  /** The path of a repository file, if the snapshot holds it. */
  public Optional<Path> file(String name) {
    return files.contains(name) ? Optional.of(directory.resolve(name)) : Optional.empty();
  }

  /** The weight files: {@code model.safetensors}, or the shards the index names, in name order. */
  public List<Path> weights() {
    return files.stream().filter(f -> f.endsWith(".safetensors")).map(directory::resolve).toList();
  }
}
