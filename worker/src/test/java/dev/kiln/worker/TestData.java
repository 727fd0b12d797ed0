package dev.kiln.worker;

import dev.kiln.activities.curation.CurationActivitiesImpl;
import dev.kiln.activities.storage.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The real corpora that infra/fetch-data.sh installs, and small slices of them for tests that must be quick. */
final class TestData {
  /** Four books: enough text for a tokenizer and a few hundred steps, small enough to curate in seconds. */
  static final List<String> SMALL_BOOKS =
      List.of("austen-emma.txt", "chesterton-thursday.txt", "melville-moby_dick.txt", "shakespeare-hamlet.txt");

  private TestData() {}

  static Path dataDir() {
    String env = System.getenv("KILN_DATA_DIR");
    Path dir = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "kiln", "data");
    if (!Files.isDirectory(dir.resolve("raw/gutenberg"))) {
      throw new IllegalStateException("corpora missing in " + dir + ": run infra/fetch-data.sh (the test command does)");
    }
    return dir;
  }

  /**
   * Uploads the small slice under raw/gutenberg-small/ plus twenty handbook pages (HTML) to exercise extraction,
   * and the bad-word lists the curation profiles' bad-words step reads.
   */
  static void seedSmallCorpus(ObjectStore store, Path data) throws IOException {
    try (var lists = Files.list(data.resolve("lists/ldnoobw"))) {
      for (Path list : lists.sorted().toList()) {
        store.put(CurationActivitiesImpl.BAD_WORD_LISTS + list.getFileName(), list);
      }
    }
    for (String book : SMALL_BOOKS) {
      store.put("raw/gutenberg-small/" + book, data.resolve("raw/gutenberg").resolve(book));
    }
    Path handbook = data.resolve("raw/debian-handbook/en-US");
    try (var pages = Files.list(handbook)) {
      for (Path page : pages.sorted().limit(20).toList()) {
        store.put("raw/gutenberg-small/handbook-" + page.getFileName(), page);
      }
    }
  }
}
