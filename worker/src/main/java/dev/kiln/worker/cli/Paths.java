package dev.kiln.worker.cli;

import java.nio.file.Path;

/** Default local places: the data cache that infra/fetch-data.sh fills, and the embedded stack's home. */
public final class Paths {
  private Paths() {}

  public static Path dataDir(Path flag) {
    if (flag != null) {
      return flag;
    }
    String env = System.getenv("KILN_DATA_DIR");
    return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "kiln", "data");
  }

  /** The hub cards that ship with Kiln: configs/hub next to the spec, else under the working directory. */
  static Path hubCards(Path spec) {
    Path beside = spec.toAbsolutePath().getParent().resolve("hub");
    return beside.toFile().isDirectory() ? beside : Path.of("configs", "hub");
  }
}
