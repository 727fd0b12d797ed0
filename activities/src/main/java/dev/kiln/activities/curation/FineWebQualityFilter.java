package dev.kiln.activities.curation;

import dev.kiln.workflows.spec.CurationStepSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * FineWeb's own line rules (Penedo et al. 2024, as DataTrove's FineWebQualityFilter): enough lines must end
 * in punctuation, not too many may be short, few characters may sit in duplicated lines, and a page with
 * many newlines per word is a list or a menu, not prose.
 */
public final class FineWebQualityFilter implements CurationStep {

  public static final String NAME = "fineweb";
  public static final String LINE_PUNCTUATION = "fineweb:line-punctuation";
  public static final String SHORT_LINES = "fineweb:short-lines";
  public static final String DUPLICATE_LINE_CHARS = "fineweb:duplicate-line-chars";
  public static final String LIST = "fineweb:list";
  public static final String EMPTY = "fineweb:empty";

  /**
   * Sentence terminals (Unicode's Sentence_Terminal property, the characters of the scripts in the language
   * filter's reach), as DataTrove's FineWebQualityFilter. Not closing quotes, brackets, colons or semicolons:
   * a line ending in one of those does not count as punctuated there either.
   */
  private static final String TERMINAL_PUNCTUATION = ".!?։؟۔܀܁܂߹।॥၊။።፧፨᙮᠃᠉‼‽⁇⁈⁉⸮⸼꓿꘎꘏꛳꛷﹒﹖﹗！．？｡。";

  private final CurationStepSpec.FineWeb spec;

  public FineWebQualityFilter(CurationStepSpec.FineWeb spec) {
    this.spec = spec;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StepOutcome apply(Document doc) {
    String text = doc.text();
    List<String> lines = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        lines.add(line);
      }
    }
    if (lines.isEmpty()) {
      return StepOutcome.drop(EMPTY);
    }
    long punctuated = lines.stream().filter(FineWebQualityFilter::endsWithPunctuation).count();
    if ((double) punctuated / lines.size() < spec.minLinePunctuationFraction()) {
      return StepOutcome.drop(LINE_PUNCTUATION);
    }
    long shortLines = lines.stream().filter(line -> line.length() <= spec.shortLineLength()).count();
    if ((double) shortLines / lines.size() > spec.maxShortLineFraction()) {
      return StepOutcome.drop(SHORT_LINES);
    }
    long duplicateChars = GopherRepetitionFilter.duplicates(lines.toArray(String[]::new))[1];
    int charsWithoutNewlines = text.length() - count(text, '\n');
    if ((double) duplicateChars / charsWithoutNewlines > spec.maxDuplicateLineCharFraction()) {
      return StepOutcome.drop(DUPLICATE_LINE_CHARS);
    }
    int words = EnglishWords.of(text).size(); // DataTrove's words: punctuation tokens included
    if ((double) count(text, '\n') / words > spec.maxNewlineToWordRatio()) {
      return StepOutcome.drop(LIST);
    }
    return StepOutcome.keep(doc);
  }

  private static boolean endsWithPunctuation(String line) {
    return !line.isEmpty() && TERMINAL_PUNCTUATION.indexOf(line.charAt(line.length() - 1)) >= 0;
  }

  private static int count(String text, char c) {
    int count = 0;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == c) {
        count++;
      }
    }
    return count;
  }
}
