package dev.kiln.activities.tokenizer;

import java.nio.file.Path;

final class TokenizerFixtures {

  static Path dataDir() {
    String configured = System.getenv("KILN_DATA_DIR");
    return configured != null ? Path.of(configured) : Path.of(System.getProperty("user.home"), ".cache/kiln/data");
  }

  private TokenizerFixtures() {}
}
