package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every way Kiln starts a training JVM sets the same malloc settings, and a worker without them says so. */
class NativeMemoryTest {
  private static final Path ROOT = Path.of("..");

  @Test
  void theLaunchersTheImageAndTheTestJvmsAllStartWithTheSettings() throws Exception {
    String script = Files.readString(ROOT.resolve("infra/native-memory.sh"));
    assertTrue(script.contains("export GLIBC_TUNABLES=\"" + NativeMemory.GLIBC_TUNABLES + "${GLIBC_TUNABLES:+:$GLIBC_TUNABLES}\""), script);
    assertTrue(Files.readString(ROOT.resolve("kiln")).contains("source \"$ROOT/infra/native-memory.sh\""));
    assertTrue(Files.readString(ROOT.resolve("bench/pytorch/run.sh")).contains("infra/native-memory.sh"));
    assertTrue(Files.readString(ROOT.resolve("infra/Dockerfile")).contains("ENV GLIBC_TUNABLES=\"" + NativeMemory.GLIBC_TUNABLES + "\""));
    assertNull(NativeMemory.missing(System.getenv()), "this test JVM (pom.xml's surefire configuration): " + System.getenv("GLIBC_TUNABLES"));
  }

  @Test
  void aMissingOrOverriddenSettingIsNamedWithTheFix() {
    assertNull(NativeMemory.missing(Map.of("GLIBC_TUNABLES", "glibc.malloc.arena_max=2:" + NativeMemory.GLIBC_TUNABLES)));
    assertEquals("glibc.malloc.mmap_max is glibc's default, not 0", NativeMemory.missing(Map.of()));
    assertEquals("glibc.malloc.trim_threshold is 131072, not 4294967296", NativeMemory.missing(
        Map.of("GLIBC_TUNABLES", NativeMemory.GLIBC_TUNABLES + ":glibc.malloc.trim_threshold=131072")));
    String warning = NativeMemory.warning(Map.of());
    assertNotNull(warning);
    assertTrue(warning.contains("GLIBC_TUNABLES=" + NativeMemory.GLIBC_TUNABLES), warning);
  }
}
