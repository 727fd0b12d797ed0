package dev.kiln.activities.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.storage.Json;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.workflows.training.CheckpointRef;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkpoints in S3: {@code runs/<run>/checkpoints/g<generation>/step-<n>/{model.safetensors, optim.safetensors,
 * meta.json}}, then {@code manifest.json} with the size and SHA-256 of each file, written last. A checkpoint
 * without a manifest, or whose files do not match it, is torn and never resumed from (the Composer lesson).
 *
 * <p>Every object is written create-if-absent (S3 {@code If-None-Match: *}), so no attempt can overwrite what
 * another wrote: a retried step writes the very same bytes (training is deterministic) and finds them there; a
 * stale attempt that would write different bytes fails instead of clobbering. The generation grows at every
 * rollback, so a new line of training never shares keys with an abandoned one.
 *
 * <p>The losses of the steps since the previous checkpoint also go to {@code runs/<run>/loss-log/...}, which
 * retention never deletes: the loss curve outlives the checkpoints.
 */
public final class CheckpointStore {
  static final String MODEL = "model.safetensors";
  static final String OPTIMIZER = "optim.safetensors";
  static final String META = "meta.json";
  static final String MANIFEST = "manifest.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PREFIX = Pattern.compile("runs/([^/]+)/checkpoints/g(\\d+)/step-(\\d+)/");

  private final ObjectStore store;

  public CheckpointStore(ObjectStore store) {
    this.store = store;
  }

  public static String prefix(String runId, int generation, int step) {
    return String.format("runs/%s/checkpoints/g%03d/step-%07d/", runId, generation, step);
  }

  public static String checkpointsOf(String runId) {
    return "runs/" + runId + "/checkpoints/";
  }

  /** Where the losses of the steps that led to a checkpoint are kept after the checkpoint itself is deleted. */
  public static String lossLogKey(CheckpointRef ref) {
    return ref.prefix().replaceFirst("/checkpoints/", "/loss-log/") + "losses.json";
  }

  /** The generation and step a checkpoint prefix names, if it is one. */
  public static Optional<int[]> parsePrefix(String prefix) {
    Matcher m = PREFIX.matcher(prefix);
    return m.lookingAt() ? Optional.of(new int[] {Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))}) : Optional.empty();
  }

  /**
   * What a checkpoint records besides tensors: the step; the data cursor (the data index the next step reads;
   * data, masking and dropout are functions of (seed, index or step), so seed and cursor are the RNG state); the
   * config hash; the losses since the previous checkpoint; and the loss-spike window's recent losses.
   */
  public record Meta(
      int step,
      long dataCursor,
      long seed,
      String configHash,
      int generation,
      int fromStep,
      List<Double> losses,
      double meanLoss,
      List<Double> recentLosses) {}

  public record Loaded(byte[] model, byte[] optimizer, Meta meta) {}

  public record FileEntry(String name, long bytes, String sha256) {}

  public record Manifest(int step, long dataCursor, long seed, String configHash, List<FileEntry> files) {}

  /** A checkpoint's content, taken from the trainer; writing it is {@link #write}. */
  public record Snapshot(String runId, byte[] model, byte[] optimizer, Meta meta) {
    public long bytes() {
      return model.length + optimizer.length;
    }
  }

  /** Writes the files, then the manifest; returns the reference the workflow will verify and commit. */
  public CheckpointRef write(Snapshot snapshot) {
    Meta meta = snapshot.meta();
    String prefix = prefix(snapshot.runId(), meta.generation(), meta.step());
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(MODEL, snapshot.model());
    files.put(OPTIMIZER, snapshot.optimizer());
    files.put(META, Json.pretty(meta));
    List<FileEntry> entries =
        files.entrySet().stream()
            .map(f -> new FileEntry(f.getKey(), f.getValue().length, ObjectStore.sha256(f.getValue())))
            .toList();
    files.forEach((name, bytes) -> createOrMatch(prefix + name, bytes));
    CheckpointRef ref = new CheckpointRef(prefix, meta.step(), meta.meanLoss());
    store.put(lossLogKey(ref), Json.pretty(meta.losses()));
    createOrMatch(prefix + MANIFEST,
        Json.pretty(new Manifest(meta.step(), meta.dataCursor(), meta.seed(), meta.configHash(), entries)));
    return ref;
  }

  /** Create-if-absent; an object already there must be byte-identical (a retry of the same deterministic step). */
  private void createOrMatch(String key, byte[] bytes) {
    if (store.putIfAbsent(key, bytes)) {
      return;
    }
    String existing = ObjectStore.sha256(store.get(key));
    if (!existing.equals(ObjectStore.sha256(bytes))) {
      throw new ConflictingCheckpointException(key + " already exists with other content (SHA-256 " + existing
          + "): another attempt wrote this step differently; it was not overwritten");
    }
  }

  /**
   * Reads and verifies a checkpoint against its manifest and the expected config.
   *
   * @param alsoAccepted other hashes of the same config (e.g. the legacy one older checkpoints carry); nulls are ignored
   */
  public Loaded read(CheckpointRef ref, String expectedConfigHash, String... alsoAccepted) {
    String prefix = ref.prefix();
    if (!store.exists(prefix + MANIFEST)) {
      throw new TornCheckpointException(prefix + " has no manifest: it was never completed, or was deleted");
    }
    Manifest manifest = parse(store.get(prefix + MANIFEST), Manifest.class);
    if (!manifest.configHash().equals(expectedConfigHash)
        && java.util.Arrays.stream(alsoAccepted).noneMatch(manifest.configHash()::equals)) {
      throw new TornCheckpointException(
          prefix + " was written by config " + manifest.configHash() + ", this run is " + expectedConfigHash);
    }
    if (manifest.step() != ref.step()) {
      throw new TornCheckpointException(prefix + " holds step " + manifest.step() + ", expected " + ref.step());
    }
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (FileEntry entry : manifest.files()) {
      if (!store.exists(prefix + entry.name())) {
        throw new TornCheckpointException(prefix + entry.name() + " is missing");
      }
      byte[] bytes = store.get(prefix + entry.name());
      if (bytes.length != entry.bytes() || !ObjectStore.sha256(bytes).equals(entry.sha256())) {
        throw new TornCheckpointException(prefix + entry.name() + " does not match its manifest (size or SHA-256)");
      }
      files.put(entry.name(), bytes);
    }
    return new Loaded(files.get(MODEL), files.get(OPTIMIZER), parse(files.get(META), Meta.class));
  }

  /** The losses of the steps that led to {@code ref}, from the loss log. */
  public List<Double> losses(CheckpointRef ref) {
    return List.of(parse(store.get(lossLogKey(ref)), Double[].class));
  }

  public byte[] readModel(CheckpointRef ref) {
    return store.get(ref.prefix() + MODEL);
  }

  /** Deletes a checkpoint, manifest first: a half-deleted checkpoint is torn, never half-valid. */
  public void delete(String prefix) {
    if (store.exists(prefix + MANIFEST)) {
      store.delete(prefix + MANIFEST);
    }
    for (ObjectStore.StoredObject object : store.list(prefix)) {
      store.delete(object.key());
    }
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

  /** A write that would have replaced different content: a stale attempt, refused. */
  public static final class ConflictingCheckpointException extends RuntimeException {
    public ConflictingCheckpointException(String message) {
      super(message);
    }
  }
}
