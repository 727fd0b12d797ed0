package dev.kiln.worker;

import dev.kiln.activities.curation.CurationActivitiesImpl;
import dev.kiln.activities.hub.ModelHub;
import dev.kiln.activities.storage.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Puts local data into the bucket: the fetched corpora under {@code raw/}, the hub cards of configs/hub and
 * the reference GPT-2 tokenizer. Objects already there are left alone, so seeding twice costs one listing.
 */
public final class DataSeeder {
  private final ObjectStore store;

  public DataSeeder(ObjectStore store) {
    this.store = store;
  }

  /**
   * Uploads every file under {@code dataDir/raw} to {@code raw/...} and the bad-word lists of the curation
   * filters to {@code lists/ldnoobw/...}, so workers need no local files; returns how many raw objects were new.
   */
  public int seedRaw(Path dataDir) {
    Path raw = dataDir.resolve("raw");
    Path badWords = dataDir.resolve("lists/ldnoobw");
    if (!Files.isDirectory(raw) || !Files.isDirectory(badWords)) {
      throw new IllegalArgumentException(
          "no corpora or word lists in " + dataDir + ". Fix: run infra/fetch-data.sh (or set KILN_DATA_DIR to where it put them)");
    }
    uploadTree(badWords, CurationActivitiesImpl.BAD_WORD_LISTS);
    return uploadTree(raw, "raw/");
  }

  public List<String> seedHub(Path cardsDir, Path dataDir) {
    List<String> ids = new ModelHub(store).seed(cardsDir);
    Path gpt2 = dataDir.resolve("reference/gpt2-tokenizer.json");
    if (Files.exists(gpt2) && !store.exists("hub/gpt2/tokenizer.json")) {
      store.put("hub/gpt2/tokenizer.json", gpt2);
    }
    return ids;
  }

  int uploadTree(Path root, String prefix) {
    Set<String> present = new HashSet<>();
    store.list(prefix).forEach(o -> present.add(o.key()));
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> uploads =
          files.stream()
              .map(f -> Map.entry(prefix + root.relativize(f).toString().replace('\\', '/'), f))
              .filter(e -> !present.contains(e.getKey()))
              .<Future<?>>map(e -> pool.submit(() -> store.put(e.getKey(), e.getValue())))
              .toList();
      for (Future<?> upload : uploads) {
        upload.get();
      }
      return uploads.size();
    } catch (Exception e) {
      throw new IllegalStateException("upload of " + root + " failed: " + e.getMessage(), e);
    } finally {
      pool.shutdownNow();
    }
  }
}
