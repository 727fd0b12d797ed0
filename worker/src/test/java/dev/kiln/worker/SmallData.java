package dev.kiln.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A data directory in the layout infra/fetch-data.sh makes, holding only the small slice of {@link TestData}
 * (four books and twenty handbook pages under raw/gutenberg-small/) and the bad-word lists: what {@code kiln run
 * --data-dir} seeds, in seconds.
 */
final class SmallData {
  private SmallData() {}

  static Path create(Path dir) throws IOException {
    Path data = TestData.dataDir();
    Path raw = Files.createDirectories(dir.resolve("raw/gutenberg-small"));
    for (String book : TestData.SMALL_BOOKS) {
      Files.copy(data.resolve("raw/gutenberg").resolve(book), raw.resolve(book));
    }
    try (Stream<Path> pages = Files.list(data.resolve("raw/debian-handbook/en-US"))) {
      for (Path page : pages.sorted().limit(20).toList()) {
        Files.copy(page, raw.resolve("handbook-" + page.getFileName()));
      }
    }
    Path lists = Files.createDirectories(dir.resolve("lists/ldnoobw"));
    try (Stream<Path> files = Files.list(data.resolve("lists/ldnoobw"))) {
      for (Path list : files.toList()) {
        Files.copy(list, lists.resolve(list.getFileName()));
      }
    }
    return dir;
  }
}
