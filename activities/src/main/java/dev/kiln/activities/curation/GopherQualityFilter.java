package dev.kiln.activities.curation;

import dev.kiln.workflows.spec.CurationStepSpec;
import java.util.Locale;
import java.util.Set;

/**
 * The Gopher quality rules (Rae et al. 2021, "Scaling Language Models", appendix A1.1), with thresholds
 * taken from the curation profile. Each rule has its own drop reason, {@code gopher:<rule>}, so a
 * run's statistics show which rule removed what.
 */
public final class GopherQualityFilter implements CurationStep {

  public static final String NAME = "gopher-quality";
  public static final String WORD_COUNT = "gopher:word-count";
  public static final String MEAN_WORD_LENGTH = "gopher:mean-word-length";
  public static final String SYMBOL_TO_WORD_RATIO = "gopher:symbol-to-word-ratio";
  public static final String BULLET_LINES = "gopher:bullet-lines";
  public static final String ELLIPSIS_LINES = "gopher:ellipsis-lines";
  public static final String ALPHABETIC_WORDS = "gopher:alphabetic-words";
  public static final String STOP_WORDS = "gopher:stop-words";

  /** The paper's English stop words: a document without a few of them is rarely natural prose. */
  static final Set<String> STOP_WORD_SET = Set.of("the", "be", "to", "of", "and", "that", "have", "with");

  private static final String[] BULLETS = {"•", "●", "○", "◦", "▪", "▫", "■", "□", "‣", "⁃", "-", "*"};

  private final CurationStepSpec.GopherQuality spec;

  public GopherQualityFilter(CurationStepSpec.GopherQuality spec) {
    this.spec = spec;
  }

  @Override
  public String name() {
    return NAME;
  }

  /**
   * Computed as DataTrove's GopherQualityFilter: over {@link EnglishWords} (punctuation tokens included), the
   * length rules over words that are not only punctuation, the symbol, alphabetic and stop-word rules over all
   * of them; the hash and the ellipsis ratios are separate rules, as in the paper ("for either the hash symbol
   * or the ellipsis"); the stop-word rule asks for that many different stop words, as the paper's "at least
   * two of the following English words". Deliberately unlike DataTrove: stop words match in any case ("The"
   * counts), and the bullet and ellipsis line shares are over non-empty lines, because Kiln's extractor
   * separates paragraphs with blank lines, which would halve every share (Trafilatura's text has none, so on
   * it the two agree).
   */
  @Override
  public StepOutcome apply(Document doc) {
    String text = doc.text();
    java.util.List<String> tokens = EnglishWords.of(text);
    int words = 0;
    long wordChars = 0;
    int alphabeticWords = 0;
    Set<String> stopWords = new java.util.HashSet<>();
    for (String token : tokens) {
      if (!EnglishWords.isSymbolWord(token)) {
        words++;
        wordChars += token.codePointCount(0, token.length());
      }
      if (hasLetter(token)) {
        alphabeticWords++;
      }
      if (token.length() <= 4) {
        String lower = token.toLowerCase(Locale.ROOT);
        if (STOP_WORD_SET.contains(lower)) {
          stopWords.add(lower);
        }
      }
    }
    if (words == 0 || words < spec.minWords() || words > spec.maxWords()) {
      return StepOutcome.drop(WORD_COUNT);
    }
    double meanWordLength = (double) wordChars / words;
    if (meanWordLength < spec.minMeanWordLength() || meanWordLength > spec.maxMeanWordLength()) {
      return StepOutcome.drop(MEAN_WORD_LENGTH);
    }
    if (count(text, "#") / (double) tokens.size() > spec.maxSymbolToWordRatio()
        || (count(text, "...") + count(text, "…")) / (double) tokens.size() > spec.maxSymbolToWordRatio()) {
      return StepOutcome.drop(SYMBOL_TO_WORD_RATIO);
    }
    String[] lines = text.split("\n");
    int bulletLines = 0;
    int ellipsisLines = 0;
    int nonEmptyLines = 0;
    for (String line : lines) {
      String stripped = line.strip();
      if (stripped.isEmpty()) {
        continue;
      }
      nonEmptyLines++;
      if (startsWithBullet(stripped)) {
        bulletLines++;
      }
      if (stripped.endsWith("...") || stripped.endsWith("…")) {
        ellipsisLines++;
      }
    }
    if ((double) bulletLines / nonEmptyLines > spec.maxBulletLineFraction()) {
      return StepOutcome.drop(BULLET_LINES);
    }
    if ((double) ellipsisLines / nonEmptyLines > spec.maxEllipsisLineFraction()) {
      return StepOutcome.drop(ELLIPSIS_LINES);
    }
    if ((double) alphabeticWords / tokens.size() < spec.minAlphabeticWordFraction()) {
      return StepOutcome.drop(ALPHABETIC_WORDS);
    }
    if (stopWords.size() < spec.minStopWords()) {
      return StepOutcome.drop(STOP_WORDS);
    }
    return StepOutcome.keep(doc);
  }

  private static boolean hasLetter(String word) {
    for (int i = 0; i < word.length(); i++) {
      if (Character.isLetter(word.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  private static boolean startsWithBullet(String line) {
    for (String bullet : BULLETS) {
      if (line.startsWith(bullet)) {
        return true;
      }
    }
    return false;
  }

  private static int count(String text, String symbol) {
    int count = 0;
    for (int at = text.indexOf(symbol); at >= 0; at = text.indexOf(symbol, at + symbol.length())) {
      count++;
    }
    return count;
  }
}
