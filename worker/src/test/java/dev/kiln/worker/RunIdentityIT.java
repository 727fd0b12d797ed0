package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.storage.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One home, one owner; one run id, one spec. A second {@code kiln run} reusing a run id with another spec is refused
 * before anything is written, whether it comes after the first run (the run id's claim names the other spec) or
 * while it runs (the home's lock names the process that holds it); the first run's files stay as they were.
 */
class RunIdentityIT {
  private static final String SPEC_A = Path.of("src", "test", "resources", "claim-a.yaml").toString();
  private static final String SPEC_B = Path.of("src", "test", "resources", "claim-b.yaml").toString();

  @TempDir Path dir;
  private final Path logs = Path.of("target", "it-logs").toAbsolutePath();

  @Test
  void aRunIdReusedWithAnotherSpecIsRefusedAfterTheRunAndWhileItRuns() throws Exception {
    Path data = SmallData.create(dir.resolve("data"));
    Path home = dir.resolve("home");

    // sequential: r1 completes, then another spec under r1
    try (KilnProcess first = KilnProcess.start(logs, "claim-first", "run", "--home", home.toString(), "--data-dir", data.toString(),
        "--run-id", "r1", SPEC_A)) {
      assertEquals(0, first.awaitExit(Duration.ofMinutes(8)), first.log());
    }
    Map<String, String> before = tree(home.resolve("s3/kiln/runs/r1"));
    assertTrue(before.containsKey("model/model.safetensors"), before.keySet().toString());
    try (KilnProcess second = KilnProcess.start(logs, "claim-second", "run", "--home", home.toString(), "--data-dir", data.toString(),
        "--run-id", "r1", SPEC_B)) {
      assertEquals(2, second.awaitExit(Duration.ofMinutes(3)), second.log());
      assertTrue(second.log().contains("run id r1 was started from another spec (" + SPEC_A), second.log());
    }
    try (KilnProcess same = KilnProcess.start(logs, "claim-same", "run", "--home", home.toString(), "--data-dir", data.toString(),
        "--run-id", "r1", SPEC_A)) {
      assertEquals(2, same.awaitExit(Duration.ofMinutes(3)), same.log());
      assertTrue(same.log().contains("run r1 has already ended (completed)"), same.log());
    }
    assertEquals(before, tree(home.resolve("s3/kiln/runs/r1")), "nothing of r1 changed");

    // concurrent: while r2 runs, a second process on the same home is refused by the home's lock
    try (KilnProcess running = KilnProcess.start(logs, "claim-running", "run", "--home", home.toString(), "--data-dir", data.toString(),
        "--run-id", "r2", SPEC_A)) {
      running.awaitLog("kiln: run r2 started", Duration.ofMinutes(3));
      try (KilnProcess other = KilnProcess.start(logs, "claim-concurrent", "run", "--home", home.toString(), "--data-dir", data.toString(),
          "--run-id", "r2", SPEC_B)) {
        assertEquals(2, other.awaitExit(Duration.ofMinutes(3)), other.log());
        assertTrue(other.log().contains("is in use by pid " + running.pid() + " (kiln run " + SPEC_A), other.log());
      }
      assertEquals(0, running.awaitExit(Duration.ofMinutes(8)), running.log());
      assertTrue(running.log().contains("vocabulary 512"), "r2 reports its own spec's model: " + running.log());
    }
    assertEquals(before, tree(home.resolve("s3/kiln/runs/r1")), "nothing of r1 changed");
  }

  /** Every file below {@code root} with its SHA-256, by relative path. */
  private static Map<String, String> tree(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path f : walk.filter(Files::isRegularFile).toList()) {
        try (InputStream in = Files.newInputStream(f)) {
          files.put(root.relativize(f).toString(), ObjectStore.sha256(in));
        }
      }
    }
    return files;
  }
}
