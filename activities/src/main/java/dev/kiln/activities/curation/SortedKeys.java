package dev.kiln.activities.curation;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Runs of (key, document) entries sorted by key (unsigned bytes) then document, as one shard writes them for one band
 * group or partition; and the k-way merge of such runs into one global order, the way DataTrove's MinHash bucket stage
 * merges its sorted signature files. A document is a global reference, {@code shard << 32 | index}, so sorting by it
 * is sorting by global order, and a merge of runs is itself a run. Keys have a fixed width per run.
 *
 * <p>Memory: a merge holds one entry and one read buffer per run it reads at once, at most {@link #FAN_IN} runs; more
 * runs are merged in passes through intermediate runs on local disk, so memory stays bounded whatever the number of
 * shards.
 */
final class SortedKeys {

  /** Runs a merge reads at once: 256 buffers of 8 KiB. */
  static final int FAN_IN = 256;
  private static final int MAGIC = 0x4B53524C; // "KSRL"
  private static final int READ_BUFFER = 8 * 1024;
  private static final int MORE = 1;
  private static final int END = 0;

  private SortedKeys() {}

  /** One entry: a key and the global reference of its document ({@link #ref}). */
  record Entry(byte[] key, long ref) {}

  /** The global reference of document {@code index} of shard {@code shard}: orders as (shard, index). */
  static long ref(int shard, int index) {
    return ((long) shard << 32) | (index & 0xFFFFFFFFL);
  }

  static int shardOf(long ref) {
    return (int) (ref >>> 32);
  }

  static int indexOf(long ref) {
    return (int) ref;
  }

  static final Comparator<Entry> ORDER = (a, b) -> {
    int c = Arrays.compareUnsigned(a.key, b.key);
    return c != 0 ? c : Long.compare(a.ref, b.ref);
  };

  /** Sorts {@code entries} (one shard's, for one band group or partition) and writes them as a run. */
  static void write(OutputStream out, int keyWidth, List<Entry> entries) throws IOException {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(ORDER);
    Writer writer = new Writer(out, keyWidth);
    for (Entry e : sorted) {
      writer.add(e.key, e.ref);
    }
    writer.finish();
  }

  /** Writes a run whose entries arrive in order. */
  static final class Writer {
    private final DataOutputStream out;
    private final int keyWidth;

    Writer(OutputStream out, int keyWidth) throws IOException {
      this.out = new DataOutputStream(new BufferedOutputStream(out));
      this.keyWidth = keyWidth;
      this.out.writeInt(MAGIC);
      this.out.writeInt(keyWidth);
    }

    void add(byte[] key, long ref) throws IOException {
      if (key.length != keyWidth) {
        throw new IllegalArgumentException("key of " + key.length + " bytes in a run of " + keyWidth + "-byte keys");
      }
      out.writeByte(MORE);
      out.write(key);
      out.writeLong(ref);
    }

    /** Marks the end, so a run cut while written is told from a complete one. */
    void finish() throws IOException {
      out.writeByte(END);
      out.flush();
    }
  }

  /** What the merge reports: each entry in global order, and whether it opens a group of equal keys. */
  @FunctionalInterface
  interface Visitor {
    void visit(byte[] key, long ref, boolean firstOfKey) throws IOException;
  }

  /** A run being read, positioned on its current entry. */
  private static final class Cursor implements Closeable {
    final DataInputStream in;
    final byte[] key;
    long ref;

    Cursor(InputStream stream) throws IOException {
      this.in = new DataInputStream(new BufferedInputStream(stream, READ_BUFFER));
      if (in.readInt() != MAGIC) {
        throw new IOException("not a sorted key run");
      }
      this.key = new byte[in.readInt()];
    }

    boolean advance() throws IOException {
      if (in.readUnsignedByte() == END) {
        return false;
      }
      in.readFully(key);
      ref = in.readLong();
      return true;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /**
   * Merges runs into the order (key, document) and reports each entry to {@code visitor}; runs beyond {@link #FAN_IN}
   * are first merged in groups into intermediate runs under {@code scratch} (deleted as soon as read).
   */
  static void merge(List<Path> runs, Path scratch, Visitor visitor) {
    try {
      List<Path> level = runs;
      int pass = 0;
      while (level.size() > FAN_IN) {
        List<Path> next = new ArrayList<>();
        for (int from = 0; from < level.size(); from += FAN_IN) {
          List<Path> group = level.subList(from, Math.min(level.size(), from + FAN_IN));
          Path merged = scratch.resolve("merge-" + pass + "-" + next.size() + ".run");
          try (OutputStream out = Files.newOutputStream(merged)) {
            Writer writer = new Writer(out, widthOf(group));
            mergeOnce(group, (key, ref, first) -> writer.add(key, ref));
            writer.finish();
          }
          if (pass > 0) {
            for (Path consumed : group) {
              Files.deleteIfExists(consumed);
            }
          }
          next.add(merged);
        }
        level = next;
        pass++;
      }
      mergeOnce(level, visitor);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int widthOf(List<Path> runs) throws IOException {
    try (Cursor cursor = new Cursor(Files.newInputStream(runs.get(0)))) {
      return cursor.key.length;
    }
  }

  private static void mergeOnce(List<Path> runs, Visitor visitor) throws IOException {
    PriorityQueue<Cursor> heads = new PriorityQueue<>((a, b) -> {
      int c = Arrays.compareUnsigned(a.key, b.key);
      return c != 0 ? c : Long.compare(a.ref, b.ref);
    });
    List<Cursor> open = new ArrayList<>();
    try {
      for (Path run : runs) {
        Cursor cursor = new Cursor(Files.newInputStream(run));
        open.add(cursor);
        if (cursor.advance()) {
          heads.add(cursor);
        }
      }
      byte[] previous = null;
      while (!heads.isEmpty()) {
        Cursor head = heads.poll();
        boolean first = previous == null || !Arrays.equals(previous, head.key);
        if (first) {
          previous = head.key.clone();
        }
        visitor.visit(previous, head.ref, first);
        if (head.advance()) {
          heads.add(head);
        }
      }
    } catch (EOFException e) {
      throw new IOException("a sorted key run ends without its end mark: it was cut while written", e);
    } finally {
      for (Cursor cursor : open) {
        cursor.close();
      }
    }
  }
}
