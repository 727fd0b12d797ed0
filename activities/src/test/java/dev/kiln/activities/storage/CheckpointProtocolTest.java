package dev.kiln.activities.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.training.CheckpointActivitiesImpl;
import dev.kiln.activities.training.CheckpointStore;
import dev.kiln.workflows.training.CheckpointActivities;
import dev.kiln.workflows.training.CheckpointRef;
import dev.kiln.workflows.training.Retention;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage side of the checkpoint protocol against a real S3 endpoint (s3proxy over a directory). */
class CheckpointProtocolTest {
  @TempDir static Path dir;
  static LocalBucket bucket;
  static ObjectStore store;
  static CheckpointStore checkpoints;

  @BeforeAll
  static void start() throws Exception {
    bucket = LocalBucket.start(dir, "ckpt");
    store = bucket.store();
    checkpoints = new CheckpointStore(store);
  }

  @AfterAll
  static void stop() throws Exception {
    bucket.close();
  }

  private static CheckpointStore.Snapshot snapshot(String run, int generation, int step, byte fill) {
    byte[] model = new byte[4096];
    java.util.Arrays.fill(model, fill);
    byte[] optimizer = new byte[8192];
    java.util.Arrays.fill(optimizer, (byte) (fill + 1));
    return new CheckpointStore.Snapshot(run, model, optimizer, new CheckpointStore.Meta(
        step, step + 3L, 1234, "cfg", generation, step - 2, List.of(3.0, 2.0), 2.5, List.of(3.0, 2.0)));
  }

  @Test
  void aWrittenCheckpointVerifiesAndAByteFlipIsDetected() throws Exception {
    CheckpointRef ref = checkpoints.write(snapshot("flip", 0, 10, (byte) 1));
    assertEquals("runs/flip/checkpoints/g000/step-0000010/", ref.prefix());
    CheckpointStore.Loaded loaded = checkpoints.read(ref, "cfg");
    assertEquals(13, loaded.meta().dataCursor());
    assertEquals(List.of(3.0, 2.0), checkpoints.losses(ref));
    assertThrows(CheckpointStore.TornCheckpointException.class, () -> checkpoints.read(ref, "another-config"));
    assertEquals(13, checkpoints.read(ref, "sha256-of-cfg", null, "cfg").meta().dataCursor(), "an older hash of the same config");

    Path model = dir.resolve("ckpt").resolve(ref.prefix() + "model.safetensors");
    byte[] bytes = Files.readAllBytes(model);
    bytes[100] ^= 0x5a;
    Files.write(model, bytes);
    var torn = assertThrows(CheckpointStore.TornCheckpointException.class, () -> checkpoints.read(ref, "cfg"));
    assertTrue(torn.getMessage().contains("model.safetensors does not match its manifest"), torn.getMessage());
  }

  @Test
  void aCheckpointWithoutItsManifestIsTorn() {
    CheckpointRef ref = checkpoints.write(snapshot("torn", 0, 10, (byte) 1));
    store.delete(ref.prefix() + "manifest.json");
    var torn = assertThrows(CheckpointStore.TornCheckpointException.class, () -> checkpoints.read(ref, "cfg"));
    assertTrue(torn.getMessage().contains("has no manifest"), torn.getMessage());
  }

  @Test
  void writesAreCreateIfAbsentSoAStaleAttemptCannotOverwrite() {
    CheckpointRef first = checkpoints.write(snapshot("stale", 0, 20, (byte) 7));
    assertEquals(first, checkpoints.write(snapshot("stale", 0, 20, (byte) 7)), "a retry of the same step is a no-op");
    var conflict = assertThrows(CheckpointStore.ConflictingCheckpointException.class,
        () -> checkpoints.write(snapshot("stale", 0, 20, (byte) 9)));
    assertTrue(conflict.getMessage().contains("was not overwritten"), conflict.getMessage());
    byte[] expected = new byte[4096];
    java.util.Arrays.fill(expected, (byte) 7);
    assertArrayEquals(expected, checkpoints.read(first, "cfg").model());
  }

  @Test
  void commitVerifiesCandidatesAndRetentionDeletesOnlyWhatANewerCommitSupersedes() {
    CheckpointActivities activities = new CheckpointActivitiesImpl(store);
    Retention retention = new Retention(2, 4, 10);
    List<CheckpointRef> retained = new ArrayList<>();
    for (int step = 10; step <= 60; step += 10) {
      CheckpointRef ref = checkpoints.write(snapshot("keep", 0, step, (byte) step));
      var result = activities.commit(new CheckpointActivities.CommitRequest("keep", "cfg", List.of(ref), retained, retention, List.of(), 0));
      assertEquals(List.of(ref), result.verified());
      retained.add(ref);
      retained = new ArrayList<>(retention.retain(retained));
    }
    assertEquals(List.of(40, 50, 60), retained.stream().map(CheckpointRef::step).toList());
    for (int step = 10; step <= 60; step += 10) {
      boolean kept = step >= 40;
      assertEquals(kept, store.exists(CheckpointStore.prefix("keep", 0, step) + "manifest.json"), "step " + step);
      assertTrue(store.exists(CheckpointStore.lossLogKey(new CheckpointRef(CheckpointStore.prefix("keep", 0, step), step, 0))),
          "the loss log outlives checkpoint " + step);
    }

    CheckpointRef corrupt = checkpoints.write(snapshot("keep", 0, 70, (byte) 70));
    store.put(corrupt.prefix() + "optim.safetensors", new byte[] {1, 2, 3});
    var result = activities.commit(new CheckpointActivities.CommitRequest("keep", "cfg", List.of(corrupt), retained, retention, List.of(), 0));
    assertTrue(result.verified().isEmpty());
    assertTrue(result.rejected().get(0).contains("optim.safetensors does not match its manifest"), result.rejected().toString());
    assertTrue(result.deleted().isEmpty(), "nothing is deleted unless a newer checkpoint was committed");
    assertFalse(store.list(CheckpointStore.prefix("keep", 0, 50)).isEmpty());
  }
}
