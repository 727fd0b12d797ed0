package dev.kiln.activities.hf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A model directory on the local file system; weights are memory-mapped. Symbolic links are followed, as a Hub cache
 * snapshot is a directory of links to its blobs; only the names asked for are confined to the directory.
 */
final class LocalHfFiles implements HfFileSource {
  private final Path directory;

  LocalHfFiles(Path directory) {
    this.directory = Objects.requireNonNull(directory).toAbsolutePath().normalize();
  }

  @Override
  public String describe() {
    return directory.toString();
  }

  @Override
  public boolean exists(String name) {
    return Files.isRegularFile(resolve(name));
  }

  @Override
  public byte[] readAll(String name, long maxBytes) throws IOException {
    Path file = resolve(name);
    long size = Files.size(file);
    if (size > maxBytes) {
      throw new HfImportException(
          file + " is " + size + " bytes; a " + name + " is at most " + maxBytes + ": is it the right file?");
    }
    return Files.readAllBytes(file);
  }

  @Override
  public RandomAccessBytes open(String name) throws IOException {
    return RandomAccessBytes.map(resolve(name));
  }

  /**
   * Names come from the directory's own index file, which is input: one that climbs out of the directory
   * ({@code ../x}, an absolute path) is refused rather than followed.
   */
  private Path resolve(String name) {
    Path file = directory.resolve(name).normalize();
    if (name.isEmpty() || !file.startsWith(directory) || file.equals(directory)) {
      throw new HfImportException(
          "file name " + name + " points outside the model directory " + directory + "; names must be relative");
    }
    return file;
  }
}
