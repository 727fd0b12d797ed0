package dev.kiln.activities.curation;

import dev.kiln.workflows.spec.CurationStepSpec;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The Gopher repetition rules (Rae et al. 2021, table A1), computed as DataTrove does: shares of duplicate
 * lines and paragraphs, the share of characters in the most frequent 2-, 3-, 4-gram, and the share of
 * characters in duplicated 5- to 10-grams. Text that repeats itself is spam, boilerplate or generated.
 * The n-grams are of {@link EnglishWords}, as DataTrove's are of its English word tokenizer's words.
 * N-grams are compared by a 64-bit hash of their word ids, so a book of a million words needs no strings per n-gram.
 */
public final class GopherRepetitionFilter implements CurationStep {

  public static final String NAME = "gopher-repetition";
  public static final String DUPLICATE_LINES = "gopher-repetition:duplicate-lines";
  public static final String DUPLICATE_PARAGRAPHS = "gopher-repetition:duplicate-paragraphs";
  public static final String DUPLICATE_LINE_CHARS = "gopher-repetition:duplicate-line-chars";
  public static final String DUPLICATE_PARAGRAPH_CHARS = "gopher-repetition:duplicate-paragraph-chars";

  private static final Pattern PARAGRAPH_BREAK = Pattern.compile("\n{2,}");
  private static final Pattern LINE_BREAK = Pattern.compile("\n+");

  private final CurationStepSpec.GopherRepetition spec;
  /** Rules in increasing n, so the reason reported for a document does not depend on a map's order. */
  private final Map<Integer, Double> maxTopNGramCharFraction;
  private final Map<Integer, Double> maxDuplicateNGramCharFraction;

  public GopherRepetitionFilter(CurationStepSpec.GopherRepetition spec) {
    this.spec = spec;
    this.maxTopNGramCharFraction = new TreeMap<>(spec.maxTopNGramCharFraction());
    this.maxDuplicateNGramCharFraction = new TreeMap<>(spec.maxDuplicateNGramCharFraction());
  }

  public static String topNGram(int n) {
    return "gopher-repetition:top-" + n + "-gram";
  }

  public static String duplicateNGrams(int n) {
    return "gopher-repetition:duplicate-" + n + "-grams";
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StepOutcome apply(Document doc) {
    String text = doc.text();
    double length = text.length();
    String[] paragraphs = PARAGRAPH_BREAK.split(text.strip());
    long[] paragraphDuplicates = duplicates(paragraphs);
    if ((double) paragraphDuplicates[0] / paragraphs.length > spec.maxDuplicateParagraphFraction()) {
      return StepOutcome.drop(DUPLICATE_PARAGRAPHS);
    }
    if (paragraphDuplicates[1] / length > spec.maxDuplicateParagraphCharFraction()) {
      return StepOutcome.drop(DUPLICATE_PARAGRAPH_CHARS);
    }
    String[] lines = LINE_BREAK.split(text);
    long[] lineDuplicates = duplicates(lines);
    if ((double) lineDuplicates[0] / lines.length > spec.maxDuplicateLineFraction()) {
      return StepOutcome.drop(DUPLICATE_LINES);
    }
    if (lineDuplicates[1] / length > spec.maxDuplicateLineCharFraction()) {
      return StepOutcome.drop(DUPLICATE_LINE_CHARS);
    }
    Words words = Words.of(text);
    for (Map.Entry<Integer, Double> rule : maxTopNGramCharFraction.entrySet()) {
      if (words.topNGramChars(rule.getKey()) / length > rule.getValue()) {
        return StepOutcome.drop(topNGram(rule.getKey()));
      }
    }
    for (Map.Entry<Integer, Double> rule : maxDuplicateNGramCharFraction.entrySet()) {
      if (words.duplicateNGramChars(rule.getKey()) / length > rule.getValue()) {
        return StepOutcome.drop(duplicateNGrams(rule.getKey()));
      }
    }
    return StepOutcome.keep(doc);
  }

  /** How many elements repeat an earlier one, and their characters. */
  static long[] duplicates(String[] elements) {
    Set<String> seen = new HashSet<>();
    long count = 0;
    long chars = 0;
    for (String element : elements) {
      if (!seen.add(element)) {
        count++;
        chars += element.length();
      }
    }
    return new long[] {count, chars};
  }

  /** The words of a text as ids (equal words, equal ids) and their lengths. */
  record Words(int[] ids, int[] lengths) {
    static Words of(String text) {
      java.util.List<String> tokens = EnglishWords.of(text);
      Map<String, Integer> ids = new HashMap<>();
      int[] wordIds = new int[tokens.size()];
      int[] lengths = new int[tokens.size()];
      for (int i = 0; i < tokens.size(); i++) {
        String token = tokens.get(i);
        wordIds[i] = ids.computeIfAbsent(token, w -> ids.size());
        lengths[i] = token.length();
      }
      return new Words(wordIds, lengths);
    }

    /** Characters of the most frequent n-gram (words joined by spaces) times its count. */
    double topNGramChars(int n) {
      NGramCounts counts = new NGramCounts(ids.length);
      int bestCount = 0;
      int bestStart = -1;
      for (int start = 0; start + n <= ids.length; start++) {
        int count = counts.increment(hash(start, n));
        if (count > bestCount) {
          bestCount = count;
          bestStart = start;
        }
      }
      return bestStart < 0 ? 0 : (double) chars(bestStart, n) * bestCount;
    }

    /**
     * Characters of n-grams that repeat an earlier one; a repeat skips its n words, so overlapping repeats
     * are not counted twice (DataTrove's find_all_duplicate).
     */
    double duplicateNGramChars(int n) {
      NGramCounts seen = new NGramCounts(ids.length);
      long chars = 0;
      int start = 0;
      while (start + n <= ids.length) {
        if (seen.increment(hash(start, n)) == 1) {
          start++;
        } else {
          chars += chars(start, n) - (n - 1); // DataTrove joins these words without spaces
          start += n;
        }
      }
      return chars;
    }

    private long hash(int start, int n) {
      long h = n;
      for (int i = start; i < start + n; i++) {
        h = (h + ids[i]) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
      }
      return h;
    }

    private int chars(int start, int n) {
      int chars = n - 1;
      for (int i = start; i < start + n; i++) {
        chars += lengths[i];
      }
      return chars;
    }
  }

  /**
   * Counts of n-gram hashes in an open-addressing table of primitives: a book has a million n-grams per n,
   * and boxing each into a HashMap made this step the slowest of the pipeline.
   */
  private static final class NGramCounts {
    private final long[] keys;
    private final int[] counts;
    private final int mask;

    NGramCounts(int maxEntries) {
      int capacity = Integer.highestOneBit(Math.max(maxEntries, 1) * 2) * 2;
      keys = new long[capacity];
      counts = new int[capacity];
      mask = capacity - 1;
    }

    /** Adds one occurrence of {@code key} and returns how many there are now. */
    int increment(long key) {
      int slot = (int) (key ^ (key >>> 32)) & mask;
      while (counts[slot] > 0 && keys[slot] != key) {
        slot = (slot + 1) & mask;
      }
      keys[slot] = key;
      return ++counts[slot];
    }
  }
}
