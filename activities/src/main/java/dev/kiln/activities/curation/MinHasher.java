package dev.kiln.activities.curation;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * MinHash signatures (Broder 1997) of documents over word shingles: for each of {@code bands x rows} hash
 * functions, the smallest hash of any shingle. Two documents agree on one signature value with probability
 * equal to the Jaccard similarity of their shingle sets. Text is lower-cased and split on anything that is
 * not a letter or digit, so markup spacing and punctuation do not hide a copy. The hash functions are fixed
 * seeds, so signatures computed by different shards and workers compare.
 */
public final class MinHasher {

  private static final Pattern NON_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");

  private final int shingleWords;
  private final long[] seeds;

  public MinHasher(int bands, int rows, int shingleWords) {
    this.shingleWords = shingleWords;
    this.seeds = new long[bands * rows];
    long state = 0x5DEECE66DL;
    for (int i = 0; i < seeds.length; i++) {
      state += 0x9E3779B97F4A7C15L;
      seeds[i] = mix(state);
    }
  }

  public int signatureLength() {
    return seeds.length;
  }

  public int[] signature(String text) {
    String[] words = NON_WORD.split(text.toLowerCase(Locale.ROOT).strip());
    long[] wordHashes = new long[words.length];
    for (int i = 0; i < words.length; i++) {
      wordHashes[i] = hash(words[i]);
    }
    int[] signature = new int[seeds.length];
    Arrays.fill(signature, Integer.MAX_VALUE);
    int shingles = Math.max(1, words.length - shingleWords + 1);
    for (int start = 0; start < shingles; start++) {
      long shingle = shingleWords;
      for (int i = start; i < Math.min(words.length, start + shingleWords); i++) {
        shingle = mix(shingle ^ wordHashes[i]) + i - start;
      }
      for (int f = 0; f < seeds.length; f++) {
        int value = (int) (mix(shingle ^ seeds[f]) >>> 33); // non-negative, so signed comparison orders them
        if (value < signature[f]) {
          signature[f] = value;
        }
      }
    }
    return signature;
  }

  /** Signatures of one shard's kept documents, in document order, as stored next to its documents. */
  public static byte[] write(List<int[]> signatures, int length) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(8 + signatures.size() * length * 4);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(signatures.size());
      out.writeInt(length);
      for (int[] signature : signatures) {
        for (int value : signature) {
          out.writeInt(value);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  public static List<int[]> read(byte[] stored) {
    try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(stored))) {
      int count = in.readInt();
      int length = in.readInt();
      List<int[]> signatures = new ArrayList<>(count);
      for (int d = 0; d < count; d++) {
        int[] signature = new int[length];
        for (int f = 0; f < length; f++) {
          signature[f] = in.readInt();
        }
        signatures.add(signature);
      }
      return signatures;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long hash(String word) {
    long h = 0xCBF29CE484222325L;
    for (int i = 0; i < word.length(); i++) {
      h = (h ^ word.charAt(i)) * 0x100000001B3L;
    }
    return mix(h);
  }

  /** SplitMix64's finaliser: a cheap, well-mixed 64-bit permutation. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
