package dev.kiln.activities.curation;

import dev.kiln.workflows.spec.CurationStepSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The C4 rules (Raffel et al. 2020, section 2.2) as DataTrove's C4QualityFilter applies them, line by line:
 * lines with an overlong word, without terminal punctuation (if enabled), with too few words, mentioning
 * javascript or a cookie/privacy policy are removed, citation markers are cut; a page with "lorem ipsum" or a
 * curly brace (code, not prose) is dropped, and so is one left with too few sentences.
 */
public final class C4QualityFilter implements CurationStep {

  public static final String NAME = "c4";
  public static final String LOREM_IPSUM = "c4:lorem-ipsum";
  public static final String CURLY_BRACE = "c4:curly-brace";
  public static final String TOO_FEW_SENTENCES = "c4:too-few-sentences";

  static final List<String> POLICY_PHRASES = List.of(
      "terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies");

  private static final Pattern WHITESPACE = Pattern.compile("\\s+");
  private static final Pattern CITATION = Pattern.compile("\\[\\d*]|\\[edit]|\\[citation needed]");

  private final CurationStepSpec.C4 spec;

  public C4QualityFilter(CurationStepSpec.C4 spec) {
    this.spec = spec;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StepOutcome apply(Document doc) {
    List<String> kept = new ArrayList<>();
    int sentences = 0;
    for (String rawLine : doc.text().split("\n")) {
      String line = rawLine.strip();
      String[] words = line.isEmpty() ? new String[0] : WHITESPACE.split(line);
      if (hasWordLongerThan(words, spec.maxWordLength())) {
        continue;
      }
      line = CITATION.matcher(line).replaceAll("");
      if (spec.removeLinesWithoutTerminalPunctuation() && !endsLikeASentence(line)) {
        continue;
      }
      if (words.length < spec.minWordsPerLine()) {
        continue;
      }
      String lower = line.toLowerCase(Locale.ROOT);
      if (lower.contains("lorem ipsum")) {
        return StepOutcome.drop(LOREM_IPSUM);
      }
      if (lower.contains("javascript")) {
        continue;
      }
      if (line.indexOf('{') >= 0) {
        return StepOutcome.drop(CURLY_BRACE);
      }
      if (POLICY_PHRASES.stream().anyMatch(lower::contains)) {
        continue;
      }
      sentences += EnglishWords.sentences(line); // as DataTrove: spaCy's sentencizer over the line's words
      kept.add(line);
    }
    if (sentences < spec.minSentences()) {
      return StepOutcome.drop(TOO_FEW_SENTENCES);
    }
    return StepOutcome.keep(doc.withText(String.join("\n", kept)));
  }

  /** C4's terminal punctuation: a period, question or exclamation mark, or a closing quote, but no ellipsis. */
  static boolean endsLikeASentence(String line) {
    return (line.endsWith(".") || line.endsWith("?") || line.endsWith("!") || line.endsWith("\"") || line.endsWith("'"))
        && !line.endsWith("...");
  }

  private static boolean hasWordLongerThan(String[] words, int maxLength) {
    for (String word : words) {
      if (word.length() > maxLength) {
        return true;
      }
    }
    return false;
  }
}
