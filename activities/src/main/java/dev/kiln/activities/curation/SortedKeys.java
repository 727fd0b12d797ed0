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
 * Runs of (key, document) entries sorted by key (unsigned bytes) then document, as one shard writes them for one
 * band group or partition; and the k-way merge of such runs, one per shard, into the global order (key, shard,
 * document), the way DataTrove's MinHash bucket stage merges its sorted signature files. Keys have a fixed width
 * per run. The merge holds one entry and one read buffer per run, never a run's content.
 */
final class SortedKeys {

  private static final int MAGIC = 0x4B53524B; // "KSRK"
  private static final int READ_BUFFER = 8 * 1024;

  private SortedKeys() {}

  /** One entry: a key and the index of its document within the shard. */
  record Entry(byte[] key, int doc) {}

  static final Comparator<Entry> ORDER = (a, b) -> {
    int c = Arrays.compareUnsigned(a.key, b.key);
    return c != 0 ? c : Integer.compare(a.doc, b.doc);
  };

  /** Sorts {@code entries} (one shard's, for one band group or partition) and writes them as a run. */
  static void write(OutputStream out, int keyWidth, List<Entry> entries) throws IOException {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(ORDER);
    DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out));
    data.writeInt(MAGIC);
    data.writeInt(keyWidth);
    data.writeInt(sorted.size());
    for (Entry e : sorted) {
      if (e.key.length != keyWidth) {
        throw new IllegalArgumentException("key of " + e.key.length + " bytes in a run of " + keyWidth + "-byte keys");
      }
      data.write(e.key);
      data.writeInt(e.doc);
    }
    data.flush();
  }

  /** What the merge reports: each entry in global order, and whether it opens a group of equal keys. */
  @FunctionalInterface
  interface Visitor {
    void visit(byte[] key, int shard, int doc, boolean firstOfKey) throws IOException;
  }

  /** A run being read, positioned on its current entry. */
  private static final class Cursor implements Closeable {
    final int shard;
    final DataInputStream in;
    final byte[] key;
    int remaining;
    int doc;

    Cursor(int shard, InputStream stream) throws IOException {
      this.shard = shard;
      this.in = new DataInputStream(new BufferedInputStream(stream, READ_BUFFER));
      if (in.readInt() != MAGIC) {
        throw new IOException("not a sorted key run (shard " + shard + ")");
      }
      this.key = new byte[in.readInt()];
      this.remaining = in.readInt();
    }

    boolean advance() throws IOException {
      if (remaining == 0) {
        return false;
      }
      in.readFully(key);
      doc = in.readInt();
      remaining--;
      return true;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /**
   * Merges runs in the order (key, shard, document); {@code runs.get(i)} is shard {@code i}'s run and is read once,
   * front to back.
   */
  static void merge(List<Path> runs, Visitor visitor) {
    PriorityQueue<Cursor> heads = new PriorityQueue<>((a, b) -> {
      int c = Arrays.compareUnsigned(a.key, b.key);
      if (c != 0) {
        return c;
      }
      c = Integer.compare(a.shard, b.shard);
      return c != 0 ? c : Integer.compare(a.doc, b.doc);
    });
    List<Cursor> open = new ArrayList<>();
    try {
      for (int shard = 0; shard < runs.size(); shard++) {
        Cursor cursor = new Cursor(shard, Files.newInputStream(runs.get(shard)));
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
        visitor.visit(previous, head.shard, head.doc, first);
        if (head.advance()) {
          heads.add(head);
        }
      }
    } catch (EOFException e) {
      throw new UncheckedIOException("a sorted key run ends early: it was cut while written", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (Cursor cursor : open) {
        try {
          cursor.close();
        } catch (IOException ignored) {
          // read-only local file: nothing to lose
        }
      }
    }
  }
}
