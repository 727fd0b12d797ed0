package dev.kiln.workflows.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The languages curation can work in, known without I/O because every source is pinned: language identification
 * (optimaize language-detector's built-in profiles, as ISO 639-1 codes), stop words (stopwords-iso 1.1.0, which
 * infra/fetch-data.sh fetches) and the LDNOOBW bad-word lists (naughty-words 1.2.0, which kiln seed uploads to
 * lists/ldnoobw/). SupportedLanguagesTest checks these sets against the library and the fetched lists.
 */
public final class Languages {
  private Languages() {}

  /** Codes the language detector can answer (its zh-CN and zh-TW profiles both answer zh). */
  public static final Set<String> IDENTIFIED = Set.of(
      "af", "an", "ar", "ast", "be", "bg", "bn", "br", "ca", "cs", "cy", "da", "de", "el", "en", "es", "et", "eu",
      "fa", "fi", "fr", "ga", "gl", "gu", "he", "hi", "hr", "ht", "hu", "id", "is", "it", "ja", "km", "kn", "ko",
      "lt", "lv", "mk", "ml", "mr", "ms", "mt", "ne", "nl", "no", "oc", "pa", "pl", "pt", "ro", "ru", "sk", "sl",
      "so", "sq", "sr", "sv", "sw", "ta", "te", "th", "tl", "tr", "uk", "ur", "vi", "yi", "zh");

  /** Languages of stopwords-iso 1.1.0. */
  public static final Set<String> STOP_WORDS = Set.of(
      "af", "ar", "bg", "bn", "br", "ca", "cs", "da", "de", "el", "en", "eo", "es", "et", "eu", "fa", "fi", "fr",
      "ga", "gl", "gu", "ha", "he", "hi", "hr", "hu", "hy", "id", "it", "ja", "ko", "ku", "la", "lt", "lv", "mr",
      "ms", "nl", "no", "pl", "pt", "ro", "ru", "sk", "sl", "so", "st", "sv", "sw", "th", "tl", "tr", "uk", "ur",
      "vi", "yo", "zh", "zu");

  /** Languages with an LDNOOBW list (naughty-words 1.2.0: {@code <code>.json}). */
  public static final Set<String> BAD_WORD_LISTS = Set.of(
      "ar", "cs", "da", "de", "en", "eo", "es", "fa", "fi", "fil", "fr", "hi", "hu", "it", "ja", "kab", "ko", "nl",
      "no", "pl", "pt", "ru", "sv", "th", "tlh", "tr", "zh");

  /** What curation lacks for {@code code}, e.g. ["a language-identification profile"]; empty if nothing. */
  public static List<String> missing(String code, boolean needsBadWords) {
    String c = code == null ? "" : code.toLowerCase(Locale.ROOT);
    List<String> missing = new ArrayList<>();
    if (!IDENTIFIED.contains(c)) {
      missing.add("a language-identification profile");
    }
    if (!STOP_WORDS.contains(c)) {
      missing.add("stop words");
    }
    if (needsBadWords && !BAD_WORD_LISTS.contains(c)) {
      missing.add("a bad-word list");
    }
    return missing;
  }

  /** Every code curation supports, given whether the profile filters bad words. */
  public static Set<String> supported(boolean needsBadWords) {
    TreeSet<String> codes = new TreeSet<>(IDENTIFIED);
    codes.retainAll(STOP_WORDS);
    if (needsBadWords) {
      codes.retainAll(BAD_WORD_LISTS);
    }
    return codes;
  }
}
