package dev.kiln.activities.curation.quality;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * fastText's input for a supervised model with {@code -wordNgrams 2}: the words of a text (lower-cased runs of
 * letters and digits, so punctuation and markup split words rather than join them) and every pair of adjacent
 * words, each hashed (FNV-1a, 64 bits) into one of {@code buckets} rows. At most {@code maxWords} words of a text are
 * read, so a very long document costs bounded time. Deterministic and independent of the JVM's hashCode.
 */
public final class HashedNgrams {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;
  /** Combines a bigram's two word hashes, as fastText combines a word n-gram's (its constant). */
  private static final long NGRAM_MIX = 116_049_371L;

  private HashedNgrams() {}

  /** The row of every unigram and bigram of the text, in text order (repeats kept: the average weighs them). */
  public static int[] features(String text, int buckets, int maxWords) {
    List<Long> words = wordHashes(text, maxWords);
    int[] ids = new int[words.isEmpty() ? 0 : 2 * words.size() - 1];
    int n = 0;
    for (int i = 0; i < words.size(); i++) {
      ids[n++] = (int) Long.remainderUnsigned(words.get(i), buckets);
      if (i > 0) {
        ids[n++] = (int) Long.remainderUnsigned(words.get(i - 1) * NGRAM_MIX + words.get(i), buckets);
      }
    }
    return ids;
  }

  static List<Long> wordHashes(String text, int maxWords) {
    List<Long> hashes = new ArrayList<>();
    long hash = FNV_OFFSET;
    boolean inWord = false;
    for (int i = 0; i < text.length() && hashes.size() < maxWords; ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (Character.isLetterOrDigit(cp)) {
        String lower = new String(Character.toChars(cp)).toLowerCase(Locale.ROOT);
        for (int j = 0; j < lower.length(); j++) {
          hash = (hash ^ lower.charAt(j)) * FNV_PRIME;
        }
        inWord = true;
      } else if (inWord) {
        hashes.add(hash);
        hash = FNV_OFFSET;
        inWord = false;
      }
    }
    if (inWord && hashes.size() < maxWords) {
      hashes.add(hash);
    }
    return hashes;
  }
}
