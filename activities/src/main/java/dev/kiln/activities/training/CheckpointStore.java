package dev.kiln.activities.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.storage.Json;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.workflows.training.CheckpointRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checkpoints in S3: {@code runs/<run>/checkpoints/step-<n>/{model.safetensors, optim.safetensors,
 * meta.json}}, then {@code manifest.json} with the size and SHA-256 of each file, written last. A checkpoint
 * without a manifest, or whose files do not match it, is torn and never resumed from (the Composer lesson).
 */
public final class CheckpointStore {
  static final String MODEL = "model.safetensors";
  static final String OPTIMIZER = "optim.safetensors";
  static final String META = "meta.json";
  static final String MANIFEST = "manifest.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ObjectStore store;

  public CheckpointStore(ObjectStore store) {
    this.store = store;
  }

  public static String prefix(String runId, int step) {
    return String.format("runs/%s/checkpoints/step-%07d/", runId, step);
  }

  /**
   * What a checkpoint records besides tensors: the step (which is also the data cursor, as data order is a
   * function of (seed, step)), the seed, the config hash, and the training losses since the previous one.
   */
  public record Meta(int step, long seed, String configHash, int fromStep, List<Double> losses, double meanLoss) {}

  public record Loaded(byte[] model, byte[] optimizer, Meta meta) {}

  public record FileEntry(String name, long bytes, String sha256) {}

  public record Manifest(int step, String configHash, List<FileEntry> files) {}

  public CheckpointRef write(String runId, byte[] model, byte[] optimizer, Meta meta) {
    String prefix = prefix(runId, meta.step());
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(MODEL, model);
    files.put(OPTIMIZER, optimizer);
    files.put(META, Json.pretty(meta));
    List<FileEntry> entries =
        files.entrySet().stream()
            .map(f -> new FileEntry(f.getKey(), f.getValue().length, ObjectStore.sha256(f.getValue())))
            .toList();
    files.forEach((name, bytes) -> store.put(prefix + name, bytes));
    store.put(prefix + MANIFEST, Json.pretty(new Manifest(meta.step(), meta.configHash(), entries)));
    return new CheckpointRef(prefix, meta.step(), meta.meanLoss());
  }

  /** Reads and verifies a checkpoint against its manifest and the expected config. */
  public Loaded read(CheckpointRef ref, String expectedConfigHash) {
    String prefix = ref.prefix();
    if (!store.exists(prefix + MANIFEST)) {
      throw new TornCheckpointException(prefix + " has no manifest: it was never completed");
    }
    Manifest manifest = parse(store.get(prefix + MANIFEST), Manifest.class);
    if (!manifest.configHash().equals(expectedConfigHash)) {
      throw new TornCheckpointException(
          prefix + " was written by config " + manifest.configHash() + ", this run is " + expectedConfigHash);
    }
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (FileEntry entry : manifest.files()) {
      byte[] bytes = store.get(prefix + entry.name());
      if (bytes.length != entry.bytes() || !ObjectStore.sha256(bytes).equals(entry.sha256())) {
        throw new TornCheckpointException(prefix + entry.name() + " does not match its manifest (size or SHA-256)");
      }
      files.put(entry.name(), bytes);
    }
    return new Loaded(files.get(MODEL), files.get(OPTIMIZER), parse(files.get(META), Meta.class));
  }

  public Meta readMeta(CheckpointRef ref) {
    return parse(store.get(ref.prefix() + META), Meta.class);
  }

  public byte[] readModel(CheckpointRef ref) {
    return store.get(ref.prefix() + MODEL);
  }

  private static <T> T parse(byte[] bytes, Class<T> type) {
    try {
      return JSON.readValue(bytes, type);
    } catch (IOException e) {
      throw new TornCheckpointException("unreadable " + type.getSimpleName() + ": " + e.getMessage());
    }
  }

  /** A checkpoint that must not be resumed from. */
  public static final class TornCheckpointException extends RuntimeException {
    public TornCheckpointException(String message) {
      super(message);
    }
  }
}
