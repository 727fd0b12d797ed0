package dev.kiln.activities.curation;

import com.optimaize.langdetect.DetectedLanguage;
import com.optimaize.langdetect.LanguageDetector;
import com.optimaize.langdetect.LanguageDetectorBuilder;
import com.optimaize.langdetect.ngram.NgramExtractors;
import com.optimaize.langdetect.profiles.LanguageProfileReader;
import com.optimaize.langdetect.text.CommonTextObjectFactories;
import com.optimaize.langdetect.text.TextObjectFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Keeps documents written in one of the run's languages, as told by n-gram language identification
 * (optimaize language-detector, 71 built-in profiles, offline). A document is kept when its most probable
 * language is wanted and that probability reaches the configured confidence.
 */
public final class LanguageFilter implements CurationStep {

  public static final String NAME = "language";
  public static final String UNKNOWN = "unknown";

  /**
   * The detector's cost grows with the text, while its answer settles after a few thousand characters;
   * books of megabytes are judged on their beginning.
   */
  private static final int MAX_CHARS_DETECTED = 20_000;

  private final Set<String> languages;
  private final double minConfidence;

  public LanguageFilter(List<String> languages, double minConfidence) {
    this.languages = languages.stream().map(code -> code.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    this.minConfidence = minConfidence;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StepOutcome apply(Document doc) {
    String text = doc.text().length() > MAX_CHARS_DETECTED ? doc.text().substring(0, MAX_CHARS_DETECTED) : doc.text();
    List<DetectedLanguage> ranked = Detector.INSTANCE.getProbabilities(Detector.TEXT_FACTORY.forText(text));
    if (ranked.isEmpty() || ranked.get(0).getProbability() < minConfidence) {
      return StepOutcome.drop(NAME + ":" + UNKNOWN);
    }
    String language = ranked.get(0).getLocale().getLanguage();
    return languages.contains(language) ? StepOutcome.keep(doc) : StepOutcome.drop(NAME + ":" + language);
  }

  /**
   * Loading the 71 profiles takes about a second, so the detector is built once per JVM on first use.
   * It is immutable after construction and the text factory makes a new text object per call, so
   * concurrent use is safe.
   */
  private static final class Detector {
    static final TextObjectFactory TEXT_FACTORY = CommonTextObjectFactories.forDetectingOnLargeText();
    static final LanguageDetector INSTANCE = build();

    private static LanguageDetector build() {
      try {
        return LanguageDetectorBuilder.create(NgramExtractors.standard())
            .withProfiles(new LanguageProfileReader().readAllBuiltIn())
            .build();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the built-in language profiles", e);
      }
    }
  }
}
