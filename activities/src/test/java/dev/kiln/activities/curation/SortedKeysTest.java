package dev.kiln.activities.curation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sorted runs merge into the global (key, shard, index) order, in passes when there are more runs than the fan-in. */
class SortedKeysTest {
  @TempDir Path dir;

  private List<SortedKeys.Entry> writeRuns(int shards, int perShard, List<Path> runs) throws IOException {
    Random random = new Random(7);
    List<SortedKeys.Entry> all = new ArrayList<>();
    for (int shard = 0; shard < shards; shard++) {
      List<SortedKeys.Entry> entries = new ArrayList<>();
      for (int doc = 0; doc < perShard; doc++) {
        // few distinct keys, so groups of equal keys span many runs
        byte[] key = ByteBuffer.allocate(12).putInt(random.nextInt(3)).putLong(random.nextInt(50) - 25L).array();
        entries.add(new SortedKeys.Entry(key, SortedKeys.ref(shard, doc)));
      }
      Path run = dir.resolve("s" + shard);
      try (OutputStream out = Files.newOutputStream(run)) {
        SortedKeys.write(out, 12, entries);
      }
      runs.add(run);
      all.addAll(entries);
    }
    all.sort(SortedKeys.ORDER);
    return all;
  }

  private static List<String> merged(List<Path> runs, Path scratch) {
    List<String> out = new ArrayList<>();
    SortedKeys.merge(runs, scratch, (key, ref, first) ->
        out.add(ByteBuffer.wrap(key).getInt() + ":" + ByteBuffer.wrap(key).getLong(4) + "@" + ref + (first ? "*" : "")));
    return out;
  }

  private static List<String> expected(List<SortedKeys.Entry> sorted) {
    List<String> out = new ArrayList<>();
    byte[] previous = null;
    for (SortedKeys.Entry e : sorted) {
      boolean first = previous == null || !java.util.Arrays.equals(previous, e.key());
      previous = e.key();
      out.add(ByteBuffer.wrap(e.key()).getInt() + ":" + ByteBuffer.wrap(e.key()).getLong(4) + "@" + e.ref() + (first ? "*" : ""));
    }
    return out;
  }

  @Test
  void moreRunsThanTheFanInMergeInPassesIntoTheGlobalOrder() throws IOException {
    List<Path> runs = new ArrayList<>();
    int shards = SortedKeys.FAN_IN * 2 + 17;
    List<SortedKeys.Entry> all = writeRuns(shards, 9, runs);
    Path scratch = Files.createDirectories(dir.resolve("scratch"));
    assertEquals(expected(all), merged(runs, scratch));
    try (var left = Files.list(scratch)) {
      assertTrue(left.count() <= 3, "intermediate runs of later passes are deleted once read");
    }
  }

  @Test
  void negativeKeysSortAsUnsignedBytesAndShardsByIndex() throws IOException {
    List<Path> runs = new ArrayList<>();
    List<SortedKeys.Entry> all = writeRuns(5, 40, runs);
    assertEquals(expected(all), merged(runs, dir));
  }

  @Test
  void aRunCutWhileWrittenIsRefused() throws IOException {
    List<Path> runs = new ArrayList<>();
    writeRuns(2, 10, runs);
    byte[] bytes = Files.readAllBytes(runs.get(1));
    Files.write(runs.get(1), java.util.Arrays.copyOf(bytes, bytes.length - 1));
    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> merged(runs, dir));
    assertTrue(e.getCause().getMessage().contains("cut while written"), e.getCause().getMessage());
  }
}
