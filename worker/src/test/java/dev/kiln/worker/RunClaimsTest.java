package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.worker.embedded.HomeLock;
import dev.kiln.workflows.spec.RunSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One run id, one spec (claims in the bucket); one home, one owner (the home's lock). */
class RunClaimsTest {
  @TempDir Path dir;
  private static final Path SPEC = Path.of("..", "configs", "tiny-gpt.yaml");

  @Test
  void theSpecHashIgnoresLayoutAndCommentsButNotValues() throws Exception {
    String yaml = Files.readString(SPEC);
    RunSpec original = RunSpecLoader.load(SPEC);
    RunSpec reformatted = RunSpecLoader.parse(("# another comment\n" + yaml.replace("  vocabSize: 4096", "  vocabSize:   4096   # same"))
        .getBytes(StandardCharsets.UTF_8), "copy.yaml", SPEC.toAbsolutePath().getParent());
    RunSpec changed = RunSpecLoader.parse(yaml.replace("vocabSize: 4096", "vocabSize: 2048").getBytes(StandardCharsets.UTF_8),
        "changed.yaml", SPEC.toAbsolutePath().getParent());
    assertEquals(RunClaims.specHash(original), RunClaims.specHash(reformatted));
    assertNotEquals(RunClaims.specHash(original), RunClaims.specHash(changed));
    assertEquals(64, RunClaims.specHash(original).length());
  }

  @Test
  void aRunIdIsClaimedOnceAndRefusedToAnotherSpecWithoutTouchingTheClaim() throws Exception {
    String yaml = Files.readString(SPEC);
    RunSpec a = RunSpecLoader.load(SPEC);
    RunSpec b = RunSpecLoader.parse(yaml.replace("seed: 1234", "seed: 4321").getBytes(StandardCharsets.UTF_8), "b.yaml",
        SPEC.toAbsolutePath().getParent());
    try (EmbeddedStack stack = EmbeddedStack.start(dir.resolve("s3"), 0, 0);
        ObjectStore store = new ObjectStore(stack.storage("claims"))) {
      store.ensureBucket();
      RunClaims.claim(store, "r1", a, RunClaims.specHash(a), "a.yaml");
      byte[] claim = store.get(RunClaims.key("r1"));
      RunClaims.claim(store, "r1", a, RunClaims.specHash(a), "a.yaml"); // the same spec continues its run
      RunClaims.RunIdInUseException refused = assertThrows(RunClaims.RunIdInUseException.class,
          () -> RunClaims.claim(store, "r1", b, RunClaims.specHash(b), "b.yaml"));
      assertTrue(refused.getMessage().startsWith("run id r1 was started from another spec (a.yaml, sha256 "), refused.getMessage());
      assertTrue(refused.getMessage().contains("give this spec a new --run-id"), refused.getMessage());
      assertArrayEquals(claim, store.get(RunClaims.key("r1")));
      assertEquals("a.yaml", RunClaims.read(store, "r1").orElseThrow().source());
    }
  }

  @Test
  void aHomeHasOneOwnerNamedToTheNext() {
    Path home = dir.resolve("home");
    try (HomeLock held = HomeLock.acquire(home, "kiln run configs/tiny-gpt.yaml")) {
      HomeLock.HomeInUseException refused = assertThrows(HomeLock.HomeInUseException.class, () -> HomeLock.acquire(home, "kiln dev"));
      assertTrue(refused.getMessage().contains("is in use by pid " + ProcessHandle.current().pid() + " (kiln run configs/tiny-gpt.yaml, since "),
          refused.getMessage());
    }
    HomeLock.acquire(home, "kiln dev").close(); // released with its holder
  }
}
