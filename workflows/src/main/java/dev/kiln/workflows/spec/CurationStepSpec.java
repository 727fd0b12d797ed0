package dev.kiln.workflows.spec;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Map;

/**
 * One per-shard step of a curation profile with its thresholds. In YAML each step is a one-key map whose key
 * names the rule set ({@code - gopherQuality: {minWords: 50, ...}}), so the list reads as the pipeline, in
 * order. Field names and defaults follow the papers and DataTrove's implementations of them.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.WRAPPER_OBJECT)
@JsonSubTypes({
  @JsonSubTypes.Type(value = CurationStepSpec.BoilerplateLines.class, name = "boilerplateLines"),
  @JsonSubTypes.Type(value = CurationStepSpec.GopherRepetition.class, name = "gopherRepetition"),
  @JsonSubTypes.Type(value = CurationStepSpec.GopherQuality.class, name = "gopherQuality"),
  @JsonSubTypes.Type(value = CurationStepSpec.C4.class, name = "c4"),
  @JsonSubTypes.Type(value = CurationStepSpec.FineWeb.class, name = "fineWeb"),
  @JsonSubTypes.Type(value = CurationStepSpec.BadWords.class, name = "badWords"),
  @JsonSubTypes.Type(value = CurationStepSpec.PiiScrubbing.class, name = "piiScrubbing"),
  @JsonSubTypes.Type(value = CurationStepSpec.UrlBlocklist.class, name = "urlBlocklist"),
  @JsonSubTypes.Type(value = CurationStepSpec.QualityClassifier.class, name = "qualityClassifier"),
  @JsonSubTypes.Type(value = CurationStepSpec.Perplexity.class, name = "perplexity"),
})
public sealed interface CurationStepSpec {

  /**
   * Removes lines that recur on many pages of one shard (navigation, banners, footers a site repeats):
   * a line is boilerplate when at least {@code minDocuments} documents, and at least
   * {@code minDocumentFraction} of the shard's documents, contain it.
   */
  record BoilerplateLines(int minDocuments, double minDocumentFraction) implements CurationStepSpec {}

  /**
   * Gopher repetition rules (Rae et al. 2021, table A1): duplicate lines and paragraphs (by count and by
   * characters), the most frequent n-gram's share of characters for n = 2..4, and the share of characters in
   * duplicated n-grams for n = 5..10. Keys of the maps are n.
   */
  record GopherRepetition(
      double maxDuplicateLineFraction,
      double maxDuplicateParagraphFraction,
      double maxDuplicateLineCharFraction,
      double maxDuplicateParagraphCharFraction,
      Map<Integer, Double> maxTopNGramCharFraction,
      Map<Integer, Double> maxDuplicateNGramCharFraction) implements CurationStepSpec {}

  /** Gopher quality rules (Rae et al. 2021, appendix A1.1). */
  record GopherQuality(
      int minWords,
      int maxWords,
      double minMeanWordLength,
      double maxMeanWordLength,
      double maxSymbolToWordRatio,
      double maxBulletLineFraction,
      double maxEllipsisLineFraction,
      double minAlphabeticWordFraction,
      int minStopWords) implements CurationStepSpec {}

  /**
   * C4 rules (Raffel et al. 2020): lines without terminal punctuation (C4 removes them; FineWeb turned this
   * off), with fewer than {@code minWordsPerLine} words, with a word longer than {@code maxWordLength},
   * mentioning javascript or a cookie/privacy policy are removed; citation markers are removed; a page with
   * "lorem ipsum" or a curly brace is dropped, and so is one left with fewer than {@code minSentences}.
   */
  record C4(boolean removeLinesWithoutTerminalPunctuation, int minWordsPerLine, int maxWordLength, int minSentences)
      implements CurationStepSpec {}

  /**
   * FineWeb's line rules (Penedo et al. 2024): enough lines ending in punctuation, not too many short lines,
   * few characters in duplicated lines, and not a list (newlines per word).
   */
  record FineWeb(
      double minLinePunctuationFraction,
      double maxShortLineFraction,
      int shortLineLength,
      double maxDuplicateLineCharFraction,
      double maxNewlineToWordRatio) implements CurationStepSpec {}

  /**
   * The LDNOOBW word lists (as C4 used them) in the run's languages. C4 dropped a page with any listed word
   * ({@code maxBadWordFraction} 0); a positive fraction tolerates that share of listed words among all words.
   */
  record BadWords(double maxBadWordFraction) implements CurationStepSpec {}

  /** Replaces e-mail addresses, phone numbers and public IPv4 addresses with placeholders. */
  record PiiScrubbing(boolean emails, boolean phoneNumbers, boolean ipAddresses) implements CurationStepSpec {}

  /**
   * Drops documents whose URL is on a blocklist in the UT1 layout (as DataTrove's URL filter reads it): under the
   * S3 prefix {@code list}, one directory per category with a {@code domains} file (a listed domain also blocks
   * its subdomains) and a {@code urls} file (host and path without scheme), one entry per line. A document is
   * dropped with reason {@code url:blocklisted:<category>}; a document without a URL passes.
   */
  record UrlBlocklist(String list, java.util.List<String> categories) implements CurationStepSpec {}

  /**
   * DCLM's learned quality filter: a fastText-style linear classifier ({@code kiln quality train}) stored under
   * the S3 prefix {@code model}. A document is kept when its score is at least {@code minScore}, or, with
   * {@code keepFraction} instead, at least the score that the given fraction of the model's raw (negative)
   * training sample reached (recorded at training time). Exactly one of the two is set.
   */
  record QualityClassifier(String model, Double minScore, Double keepFraction) implements CurationStepSpec {}

  /**
   * CCNet's perplexity filter: documents scored by a causal language model of Kiln's hub ({@code model}, a hub
   * id), on at most {@code maxTokens} tokens of each; a document is kept when its perplexity is at most
   * {@code maxPerplexity}, or, with {@code keepFraction} instead, when it is among that fraction of lowest
   * perplexities of its shard. Exactly one of the two is set.
   */
  record Perplexity(String model, Double maxPerplexity, Double keepFraction, Integer maxTokens)
      implements CurationStepSpec {}
}
