package dev.kiln.activities.curation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Near-duplicate removal on a fixture whose duplicate clusters are known by construction. */
class MinHashDeduplicatorTest {

  private static final int BANDS = 14;
  private static final int ROWS = 8;
  private final MinHasher minHasher = new MinHasher(BANDS, ROWS, 5);
  private final SplittableRandom random = new SplittableRandom(42);

  private String[] randomWords(int count) {
    String[] words = new String[count];
    for (int i = 0; i < count; i++) {
      words[i] = "w" + random.nextInt(20_000);
    }
    return words;
  }

  /** A copy with {@code edits} words replaced at random places, as a re-posted page with small changes. */
  private String[] nearCopy(String[] original, int edits) {
    String[] copy = original.clone();
    for (int i = 0; i < edits; i++) {
      copy[random.nextInt(copy.length)] = "edit" + random.nextInt(1_000_000);
    }
    return copy;
  }

  @Test
  void findsKnownClustersWithHighPrecisionAndRecall() {
    List<String> docs = new ArrayList<>();
    List<String[]> originals = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String[] words = randomWords(300);
      originals.add(words);
      docs.add(String.join(" ", words));
    }
    // 60 clusters: an original and 1-3 copies with 1-2 % of the words changed (Jaccard of 5-grams ~0.8-0.95)
    Set<Integer> trueDuplicates = new HashSet<>();
    for (int cluster = 0; cluster < 60; cluster++) {
      int copies = 1 + random.nextInt(3);
      for (int c = 0; c < copies; c++) {
        trueDuplicates.add(docs.size());
        docs.add(String.join(" ", nearCopy(originals.get(cluster), 3 + random.nextInt(4))));
      }
    }
    // related but distinct: the first third of an original, then new text (Jaccard ~0.2): not duplicates
    for (int i = 100; i < 140; i++) {
      String[] words = randomWords(300);
      System.arraycopy(originals.get(i), 0, words, 0, 100);
      docs.add(String.join(" ", words));
    }

    MinHashDeduplicator dedup = new MinHashDeduplicator(BANDS, ROWS, docs.size());
    docs.forEach(doc -> dedup.add(minHasher.signature(doc)));
    BitSet dropped = dedup.duplicates();

    long truePositives = dropped.stream().filter(trueDuplicates::contains).count();
    double precision = (double) truePositives / dropped.cardinality();
    double recall = (double) truePositives / trueDuplicates.size();
    assertTrue(precision >= 0.98, "precision " + precision);
    assertTrue(recall >= 0.9, "recall " + recall + " of " + trueDuplicates.size());
    for (int original = 0; original < 200; original++) {
      assertFalse(dropped.get(original), "the first document of a cluster is kept: " + original);
    }
  }

  @Test
  void signatureAgreementEstimatesJaccardSimilarity() {
    String[] words = randomWords(400);
    String[] copy = nearCopy(words, 20); // changes ~100 of ~400 shingles: Jaccard about 0.6
    Set<String> a = shingles(words);
    Set<String> b = shingles(copy);
    Set<String> union = new HashSet<>(a);
    union.addAll(b);
    a.retainAll(b);
    double jaccard = (double) a.size() / union.size();
    int[] x = minHasher.signature(String.join(" ", words));
    int[] y = minHasher.signature(String.join(" ", copy));
    int agree = 0;
    for (int i = 0; i < x.length; i++) {
      agree += x[i] == y[i] ? 1 : 0;
    }
    assertEquals(jaccard, (double) agree / x.length, 0.12, "estimate of Jaccard " + jaccard);
  }

  @Test
  void signaturesIgnoreCaseAndPunctuationAndSurviveStorage() {
    int[] plain = minHasher.signature("the quick brown fox jumps over the lazy dog");
    assertArrayEquals(plain, minHasher.signature("The quick, brown fox -- jumps over the LAZY dog!"));
    List<int[]> stored = MinHasher.read(MinHasher.write(List.of(plain, plain), minHasher.signatureLength()));
    assertEquals(2, stored.size());
    assertArrayEquals(plain, stored.get(1));
  }

  private static Set<String> shingles(String[] words) {
    Set<String> shingles = new HashSet<>();
    for (int i = 0; i + 5 <= words.length; i++) {
      shingles.add(String.join(" ", List.of(words).subList(i, i + 5)));
    }
    return shingles;
  }
}
