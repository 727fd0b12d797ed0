package dev.kiln.activities.curation.fasttext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A fastText model's vocabulary: its words, then its labels (each with its training count), the char n-gram and
 * word n-gram hashing into {@code bucket} rows after the words, and, for a quantized model whose rarely used rows
 * were cut, the map from an n-gram's bucket to its kept row. Words are UTF-8 bytes, as fastText handles them.
 * Immutable after loading.
 */
final class Dictionary {
  static final byte[] EOS = "</s>".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] LABEL_PREFIX = "__label__".getBytes(StandardCharsets.US_ASCII);
  private static final int FNV_OFFSET = 0x811C9DC5; // 2166136261
  private static final int FNV_PRIME = 16777619;
  private static final long WORD_NGRAM_MULTIPLIER = 116049371L;

  private final byte[][] words;
  private final long[] counts;
  private final boolean[] isLabel;
  private final int nwords;
  private final int nlabels;
  private final int[] table; // open addressing on the word hash, linear probing, -1 for empty
  private final int minn;
  private final int maxn;
  private final int bucket;
  private final int wordNgrams;
  private final long pruneSize; // -1: not pruned
  private final int[] prunedBuckets;
  private final int[] prunedRows;
  private final int prunedShift;

  private Dictionary(ModelReader in, ModelArgs args) throws IOException {
    int size = in.readInt();
    nwords = in.readInt();
    nlabels = in.readInt();
    in.readLong(); // ntokens, only for training
    pruneSize = in.readLong();
    if (size < 0 || nwords < 0 || nlabels < 0 || nwords + nlabels != size) {
      throw new IOException("the dictionary's sizes are inconsistent (" + size + " entries, " + nwords + " words, "
          + nlabels + " labels): not a fastText model");
    }
    words = new byte[size][];
    counts = new long[size];
    isLabel = new boolean[size];
    for (int i = 0; i < size; i++) {
      words[i] = in.readZeroTerminated();
      counts[i] = in.readLong();
      byte type = in.readByte();
      if (type != 0 && type != 1) {
        throw new IOException("dictionary entry " + i + " has type " + type + " (neither word nor label)");
      }
      isLabel[i] = type == 1;
    }
    int pruned = (int) Math.max(0, pruneSize);
    long[] pairs = new long[pruned]; // bucket << 32 | row
    for (int i = 0; i < pruned; i++) {
      int from = in.readInt();
      int to = in.readInt();
      pairs[i] = ((long) from << 32) | (to & 0xFFFFFFFFL);
    }
    // the kept buckets in an open-addressing table (linear probing; buckets are non-negative, -1 marks a free slot)
    int capacity = Integer.highestOneBit(Math.max(1, pruned) * 2) * 2;
    prunedBuckets = new int[capacity];
    prunedRows = new int[capacity];
    prunedShift = 32 - Integer.numberOfTrailingZeros(capacity);
    Arrays.fill(prunedBuckets, -1);
    for (long pair : pairs) {
      int from = (int) (pair >> 32);
      int at = prunedSlot(from);
      prunedBuckets[at] = from;
      prunedRows[at] = (int) pair;
    }
    minn = args.minn();
    maxn = args.maxn();
    bucket = args.bucket();
    wordNgrams = args.wordNgrams();
    table = new int[(int) Math.ceil(size / 0.7)];
    Arrays.fill(table, -1);
    for (int i = 0; i < size; i++) {
      table[slot(words[i], 0, words[i].length, hash(words[i], 0, words[i].length))] = i;
    }
  }

  static Dictionary read(ModelReader in, ModelArgs args) throws IOException {
    return new Dictionary(in, args);
  }

  int nwords() {
    return nwords;
  }

  int nlabels() {
    return nlabels;
  }

  String label(int labelId) {
    return new String(words[nwords + labelId], StandardCharsets.UTF_8);
  }

  /** Training counts of the labels, in label order (the hierarchical softmax builds its tree from them). */
  long[] labelCounts() {
    return Arrays.copyOfRange(counts, nwords, nwords + nlabels);
  }

  /**
   * FNV-1a over the bytes as fastText computes it: each byte is sign-extended before the xor (fastText's released
   * models were trained with a signed {@code char}, and it kept that for compatibility).
   */
  static int hash(byte[] bytes, int from, int to) {
    int h = FNV_OFFSET;
    for (int i = from; i < to; i++) {
      h = (h ^ bytes[i]) * FNV_PRIME;
    }
    return h;
  }

  private int slot(byte[] bytes, int from, int to, int hash) {
    int id = Integer.remainderUnsigned(hash, table.length);
    while (table[id] != -1 && !Arrays.equals(words[table[id]], 0, words[table[id]].length, bytes, from, to)) {
      id = (id + 1) % table.length;
    }
    return id;
  }

  /** The entry id of the word (or label) {@code bytes[from, to)}, or -1. */
  int id(byte[] bytes, int from, int to, int hash) {
    return table.length == 0 ? -1 : table[slot(bytes, from, to, hash)];
  }

  boolean isLabel(int id) {
    return isLabel[id];
  }

  static boolean looksLikeLabel(byte[] bytes, int from, int to) {
    return to - from >= LABEL_PREFIX.length
        && Arrays.equals(bytes, from, from + LABEL_PREFIX.length, LABEL_PREFIX, 0, LABEL_PREFIX.length);
  }

  static boolean isEos(byte[] bytes, int from, int to) {
    return Arrays.equals(bytes, from, to, EOS, 0, EOS.length);
  }

  /** Whether quantization cut the model's n-gram rows (fastText's {@code isPruned}). */
  boolean pruned() {
    return pruneSize >= 0;
  }

  boolean hasSubwords() {
    return maxn > 0;
  }

  /**
   * The input-matrix row of a hashed n-gram (char or word n-gram): {@code nwords + bucket}, or, in a pruned model,
   * {@code nwords} plus the bucket's kept row; -1 when a pruned model dropped that bucket.
   */
  int ngramRow(int bucketIndex) {
    if (pruneSize == 0 || bucketIndex < 0) {
      return -1;
    }
    if (pruneSize > 0) {
      int at = prunedSlot(bucketIndex);
      if (prunedBuckets[at] < 0) {
        return -1;
      }
      bucketIndex = prunedRows[at];
    }
    return nwords + bucketIndex;
  }

  /** The slot of {@code bucketIndex} in the kept-bucket table, or the free slot where it would go. */
  private int prunedSlot(int bucketIndex) {
    int mask = prunedBuckets.length - 1;
    int at = (bucketIndex * 0x9E3779B9) >>> prunedShift;
    while (prunedBuckets[at] >= 0 && prunedBuckets[at] != bucketIndex) {
      at = (at + 1) & mask;
    }
    return at;
  }

  /**
   * Feeds the rows of the char n-grams of {@code word} (which carries its {@code <} and {@code >} marks) to
   * {@code rows}, in fastText's order: by start position, then by length from {@code minn} to {@code maxn}
   * characters, where a character is a UTF-8 lead byte with its continuation bytes. The single-character n-grams
   * of the marks themselves are left out.
   */
  void charNgrams(byte[] word, int length, RowSink rows) {
    if (bucket <= 0) {
      return;
    }
    for (int i = 0; i < length; i++) {
      if ((word[i] & 0xC0) == 0x80) {
        continue;
      }
      int h = FNV_OFFSET;
      int j = i;
      for (int n = 1; j < length && n <= maxn; n++) {
        h = (h ^ word[j++]) * FNV_PRIME;
        while (j < length && (word[j] & 0xC0) == 0x80) {
          h = (h ^ word[j++]) * FNV_PRIME;
        }
        if (n >= minn && !(n == 1 && (i == 0 || j == length))) {
          int row = ngramRow(Integer.remainderUnsigned(h, bucket));
          if (row >= 0) {
            rows.add(row);
          }
        }
      }
    }
  }

  /**
   * Feeds the rows of the word n-grams (2 to {@code wordNgrams} consecutive tokens) of a line whose token hashes
   * are {@code hashes[0, count)}. fastText keeps the hashes as signed 32-bit values and widens them, with their
   * sign, to 64 bits before combining.
   */
  void wordNgrams(int[] hashes, int count, RowSink rows) {
    if (bucket <= 0) {
      return;
    }
    for (int i = 0; i < count; i++) {
      long h = hashes[i];
      for (int j = i + 1; j < count && j < i + wordNgrams; j++) {
        h = h * WORD_NGRAM_MULTIPLIER + hashes[j];
        int row = ngramRow((int) Long.remainderUnsigned(h, bucket));
        if (row >= 0) {
          rows.add(row);
        }
      }
    }
  }

  @FunctionalInterface
  interface RowSink {
    void add(int row);
  }
}
