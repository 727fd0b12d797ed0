package dev.kiln.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Which run {@code kiln run} last started in a home for each spec name ({@code <home>/runs/<name>.json}), so that the
 * same command run again finds the run to continue without the user naming it.
 */
final class HomeRuns {
  private static final ObjectMapper JSON = new ObjectMapper();

  private HomeRuns() {}

  record Entry(String runId, String specSha256) {}

  static Optional<Entry> last(Path home, String specName) {
    Path file = file(home, specName);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(file.toFile(), Entry.class));
    } catch (IOException e) {
      return Optional.empty(); // unreadable: the run is still found by --run-id
    }
  }

  static void record(Path home, String specName, String runId, String specSha256) {
    Path file = file(home, specName);
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(new Entry(runId, specSha256)));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static Path file(Path home, String specName) {
    return home.resolve("runs").resolve(specName + ".json");
  }
}
