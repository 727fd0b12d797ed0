package dev.kiln.activities.curation;

import java.util.Arrays;
import java.util.BitSet;

/**
 * Global near-duplicate removal by MinHash locality-sensitive hashing, across all shards. Each signature is
 * cut into {@code bands} of {@code rows} values; documents whose values agree in any whole band are
 * candidates (for 14 x 8, documents with Jaccard similarity 0.8 become candidates with probability 0.92,
 * at 0.5 with 0.05). Candidates are joined into clusters with union-find, and each cluster keeps its first
 * document in the order documents were added, so the result is deterministic. Only one 64-bit key per band
 * and document is held, never the documents: {@code 8 x bands} bytes per document plus one lookup table of
 * at most 48 bytes per document, reused for every band.
 */
public final class MinHashDeduplicator {

  public static final String NAME = "near-dedup";
  public static final String NEAR_DUPLICATE = "near-duplicate";

  private final int bands;
  private final int rows;
  private final long[][] bandKeys;
  private int documents;

  /** @param capacity how many signatures will be added */
  public MinHashDeduplicator(int bands, int rows, int capacity) {
    this.bands = bands;
    this.rows = rows;
    this.bandKeys = new long[bands][capacity];
  }

  public void add(int[] signature) {
    if (signature.length != bands * rows) {
      throw new IllegalArgumentException("signature of " + signature.length + " values, expected " + bands + " x " + rows);
    }
    for (int band = 0; band < bands; band++) {
      bandKeys[band][documents] = bandKey(signature, band, rows);
    }
    documents++;
  }

  /** The 64-bit key of one band of a signature: documents with equal keys in a band are candidates. */
  public static long bandKey(int[] signature, int band, int rows) {
    long key = band;
    for (int row = 0; row < rows; row++) {
      key = MinHasher.mix(key ^ signature[band * rows + row]) + row;
    }
    return key;
  }

  public int documents() {
    return documents;
  }

  /** Indices (in the order added) of the documents to drop: every member of a cluster but its first. */
  public BitSet duplicates() {
    int[] parent = new int[documents];
    Arrays.setAll(parent, i -> i);
    // per band, an open-addressing table from band key to the first document with it: primitive arrays,
    // reused for every band (a HashMap<Long, Integer> cost 10x the time and boxed every entry)
    int capacity = Integer.highestOneBit(Math.max(documents, 1) * 2) * 2;
    int mask = capacity - 1;
    long[] slotKeys = new long[capacity];
    int[] slotDocs = new int[capacity];
    for (int band = 0; band < bands; band++) {
      Arrays.fill(slotDocs, -1);
      long[] keys = bandKeys[band];
      for (int doc = 0; doc < documents; doc++) {
        int slot = (int) keys[doc] & mask; // band keys are already well mixed
        while (slotDocs[slot] >= 0 && slotKeys[slot] != keys[doc]) {
          slot = (slot + 1) & mask;
        }
        if (slotDocs[slot] < 0) {
          slotDocs[slot] = doc;
          slotKeys[slot] = keys[doc];
        } else {
          union(parent, slotDocs[slot], doc);
        }
      }
    }
    BitSet duplicates = new BitSet(documents);
    for (int doc = 0; doc < documents; doc++) {
      if (root(parent, doc) != doc) {
        duplicates.set(doc);
      }
    }
    return duplicates;
  }

  /** The smaller index becomes the root, so each cluster's root is its first document. */
  private static void union(int[] parent, int a, int b) {
    int rootA = root(parent, a);
    int rootB = root(parent, b);
    if (rootA < rootB) {
      parent[rootB] = rootA;
    } else if (rootB < rootA) {
      parent[rootA] = rootB;
    }
  }

  private static int root(int[] parent, int i) {
    while (parent[i] != i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  }
}
