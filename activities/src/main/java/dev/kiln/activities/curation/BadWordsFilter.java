package dev.kiln.activities.curation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * C4's toxic-content filter: the "List of Dirty, Naughty, Obscene and Otherwise Bad Words" (LDNOOBW, npm
 * naughty-words) in each of the run's languages. Entries match whole words (multi-word entries as phrases), so
 * "class" does not match "ass". Languages written without spaces between words (Chinese, Japanese, Thai)
 * have no word boundaries to match on, so there an entry matches as a substring.
 */
public final class BadWordsFilter implements CurationStep {

  public static final String NAME = "bad-words";
  public static final String REASON = "bad-words:ldnoobw";

  private static final Set<String> UNSPACED_LANGUAGES = Set.of("zh", "ja", "th");
  private static final Pattern NON_WORD = Pattern.compile("[^\\p{L}\\p{N}']+");

  /** First word of each spaced entry -> the entries (as word sequences) that start with it. */
  private final Map<String, List<String[]>> entriesByFirstWord = new HashMap<>();
  private final List<String> substringEntries = new ArrayList<>();
  private final double maxBadWordFraction;

  /** @param listsByLanguage the LDNOOBW entries of each language to apply */
  public BadWordsFilter(Map<String, List<String>> listsByLanguage, double maxBadWordFraction) {
    this.maxBadWordFraction = maxBadWordFraction;
    Set<String> seen = new HashSet<>();
    listsByLanguage.forEach((language, entries) -> {
      for (String entry : entries) {
        String lower = entry.toLowerCase(Locale.ROOT).strip();
        if (lower.isEmpty() || !seen.add(lower)) {
          continue;
        }
        if (UNSPACED_LANGUAGES.contains(language)) {
          substringEntries.add(lower);
        } else {
          String[] words = Arrays.stream(NON_WORD.split(lower)).filter(w -> !w.isEmpty()).toArray(String[]::new);
          if (words.length == 0) {
            continue; // an entry of symbols only ("@$$") has no word to match
          }
          entriesByFirstWord.computeIfAbsent(words[0], w -> new ArrayList<>()).add(words);
        }
      }
    });
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StepOutcome apply(Document doc) {
    String lower = doc.text().toLowerCase(Locale.ROOT);
    String[] words = NON_WORD.split(lower);
    long matches = 0;
    for (int i = 0; i < words.length; i++) {
      List<String[]> candidates = entriesByFirstWord.get(words[i]);
      if (candidates != null && anyStartsAt(words, i, candidates)) {
        matches++;
      }
    }
    for (String entry : substringEntries) {
      for (int at = lower.indexOf(entry); at >= 0; at = lower.indexOf(entry, at + entry.length())) {
        matches++;
      }
    }
    return matches > maxBadWordFraction * words.length ? StepOutcome.drop(REASON) : StepOutcome.keep(doc);
  }

  private static boolean anyStartsAt(String[] words, int start, List<String[]> entries) {
    for (String[] entry : entries) {
      if (startsAt(words, start, entry)) {
        return true;
      }
    }
    return false;
  }

  private static boolean startsAt(String[] words, int start, String[] entry) {
    if (start + entry.length > words.length) {
      return false;
    }
    for (int j = 1; j < entry.length; j++) {
      if (!words[start + j].equals(entry[j])) {
        return false;
      }
    }
    return true;
  }
}
