package dev.kiln.worker;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * The glibc malloc settings a training JVM should start with (a process cannot change them once running, so the
 * launchers set them: {@code ./kiln} through infra/native-memory.sh, the image through its ENV, the tests through
 * pom.xml). libtorch allocates every step's tensors with malloc; by default glibc maps the big ones (logits,
 * attention scores) with mmap and unmaps them when freed, and trims the heap top, so each step page-faults its
 * memory back in. With mmap off for malloc and no trimming, one step's memory is reused by the next: on
 * {@code bench/pytorch/run.sh} (2 cores) kernel time fell from 19.6 s to 1.8 s and tokens/s rose ~1.5x.
 */
public final class NativeMemory {
  public static final String GLIBC_TUNABLES = "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967296";

  private NativeMemory() {}

  /** Null when {@code env}'s GLIBC_TUNABLES holds every setting (the last value of a key counts), else why not. */
  public static String missing(Map<String, String> env) {
    Map<String, String> wanted = parse(GLIBC_TUNABLES);
    Map<String, String> actual = parse(Optional.ofNullable(env.get("GLIBC_TUNABLES")).orElse(""));
    for (Map.Entry<String, String> setting : wanted.entrySet()) {
      if (!setting.getValue().equals(actual.get(setting.getKey()))) {
        return setting.getKey() + " is " + Optional.ofNullable(actual.get(setting.getKey())).orElse("glibc's default")
            + ", not " + setting.getValue();
      }
    }
    return null;
  }

  /** A warning for a training worker started without the settings, with the fix; null when they are in place. */
  public static String warning(Map<String, String> env) {
    String missing = missing(env);
    return missing == null ? null : "training will page-fault its tensors back in every step (" + missing + "; on CPU"
        + " about 1.5x slower): start the JVM with GLIBC_TUNABLES=" + GLIBC_TUNABLES + " (./kiln and the image do)";
  }

  private static Map<String, String> parse(String tunables) {
    Map<String, String> settings = new java.util.HashMap<>();
    Arrays.stream(tunables.split(":")).filter(s -> s.contains("=")).forEach(s -> {
      int at = s.indexOf('=');
      settings.put(s.substring(0, at).trim(), s.substring(at + 1).trim());
    });
    return settings;
  }
}
