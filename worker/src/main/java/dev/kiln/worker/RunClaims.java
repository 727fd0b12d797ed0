package dev.kiln.worker;

import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.workflows.spec.RunSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * One run id, one spec. Before a run starts, {@code runs/<id>/run.json} records the SHA-256 of the spec it runs
 * (written create-if-absent, so of two starts at once exactly one wins); a later start under the same id with
 * another spec is refused before anything of the run is touched.
 */
public final class RunClaims {
  /** Sorted keys: the same spec hashes the same whatever the field order of its YAML. */
  private static final ObjectMapper CANONICAL = JsonMapper.builder()
      .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private RunClaims() {}

  /** What {@code runs/<id>/run.json} holds. */
  public record Claim(String runId, String specName, String specSha256, String source, String claimedAt) {}

  /** Thrown when a run id is taken by another spec, or cannot be continued; the message says what to do. */
  public static final class RunIdInUseException extends IllegalArgumentException {
    public RunIdInUseException(String message) {
      super(message);
    }
  }

  /** The spec's identity: SHA-256 of its canonical JSON (the curation profile's content included). */
  public static String specHash(RunSpec spec) {
    try {
      return ObjectStore.sha256(CANONICAL.writeValueAsBytes(spec));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String key(String runId) {
    return "runs/" + runId + "/run.json";
  }

  public static Optional<Claim> read(ObjectStore store, String runId) {
    if (!store.exists(key(runId))) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(store.get(key(runId)), Claim.class));
    } catch (IOException e) {
      throw new IllegalStateException(key(runId) + " in bucket " + store.bucket() + " is not a run claim: " + e.getMessage(), e);
    }
  }

  /** Refuses a claim by another spec, naming both and the fix. */
  public static void requireSameSpec(Claim existing, String specHash, String source) {
    if (!existing.specSha256().equals(specHash)) {
      throw new RunIdInUseException("run id " + existing.runId() + " was started from another spec (" + existing.source()
          + ", sha256 " + shortHash(existing.specSha256()) + "; " + source + " is " + shortHash(specHash) + "). "
          + "Nothing was changed. Fix: give this spec a new --run-id, or run the spec it was started with "
          + "(with --resume) to continue it");
    }
  }

  /**
   * Claims {@code runId} for the spec; a claim by the same spec is accepted (the run is being continued).
   *
   * @throws RunIdInUseException if another spec holds it
   */
  public static void claim(ObjectStore store, String runId, RunSpec spec, String specHash, String source) {
    Claim claim = new Claim(runId, spec.name(), specHash, source, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    byte[] bytes;
    try {
      bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(claim);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!store.putIfAbsent(key(runId), bytes)) {
      requireSameSpec(read(store, runId).orElseThrow(), specHash, source);
    }
  }

  static String shortHash(String sha256) {
    return sha256.length() > 12 ? sha256.substring(0, 12) : sha256;
  }
}
