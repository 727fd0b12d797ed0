package dev.kiln.activities.curation;

import com.optimaize.langdetect.DetectedLanguage;
import com.optimaize.langdetect.LanguageDetector;
import com.optimaize.langdetect.LanguageDetectorBuilder;
import com.optimaize.langdetect.ngram.NgramExtractors;
import com.optimaize.langdetect.profiles.LanguageProfileReader;
import com.optimaize.langdetect.text.CommonTextObjectFactories;
import com.optimaize.langdetect.text.TextObjectFactory;
import dev.kiln.activities.curation.fasttext.FastTextModel;
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
 *
 * <p>With a fastText model ({@code curation.languageModel}, e.g. lid.176 as FineWeb uses it), the step decides as
 * DataTrove's LanguageFilter does instead: the whole text with each newline replaced by a space, all labels'
 * probabilities, and a document is kept when one of the run's languages has a probability above (strictly) the
 * configured confidence. docs/language-id.md
 */
public final class LanguageFilter implements CurationStep {

  public static final String NAME = "language";
  public static final String UNKNOWN = "unknown";

  /**
   * The detector's cost grows with the text, while its answer settles after a few thousand characters;
   * books of megabytes are judged on their beginning.
   */
  private static final int MAX_CHARS_DETECTED = 20_000;

  /** fastText's label prefix, which lid.176's labels carry ({@code __label__en}). */
  private static final String LABEL_PREFIX = "__label__";

  private final Set<String> languages;
  private final double minConfidence;
  private final FastTextModel model;

  /** With the built-in n-gram detector. */
  public LanguageFilter(List<String> languages, double minConfidence) {
    this(languages, minConfidence, null);
  }

  /** @param model a fastText language-identification model, or null for the built-in n-gram detector */
  public LanguageFilter(List<String> languages, double minConfidence, FastTextModel model) {
    this.languages = languages.stream().map(code -> code.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    this.minConfidence = minConfidence;
    this.model = model;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StepOutcome apply(Document doc) {
    if (model != null) {
      return applyFastText(doc);
    }
    String text = doc.text().length() > MAX_CHARS_DETECTED ? doc.text().substring(0, MAX_CHARS_DETECTED) : doc.text();
    List<DetectedLanguage> ranked = Detector.INSTANCE.getProbabilities(Detector.TEXT_FACTORY.forText(text));
    if (ranked.isEmpty() || ranked.get(0).getProbability() < minConfidence) {
      return StepOutcome.drop(NAME + ":" + UNKNOWN);
    }
    String language = ranked.get(0).getLocale().getLanguage();
    return languages.contains(language) ? StepOutcome.keep(doc) : StepOutcome.drop(NAME + ":" + language);
  }

  /**
   * DataTrove's FT176LID and LanguageFilter: predict over the whole text with newlines replaced by spaces (fastText
   * reads one line), k = -1; keep when a wanted language scores above the threshold. A dropped document's reason
   * names the most probable language, or {@code unknown} when even that one does not pass the threshold.
   */
  private StepOutcome applyFastText(Document doc) {
    List<FastTextModel.Prediction> ranked = model.predict(doc.text().replace('\n', ' '), -1);
    for (FastTextModel.Prediction p : ranked) {
      if (p.probability() > minConfidence && languages.contains(language(p.label()))) {
        return StepOutcome.keep(doc);
      }
    }
    if (ranked.isEmpty() || !(ranked.get(0).probability() > minConfidence)) {
      return StepOutcome.drop(NAME + ":" + UNKNOWN);
    }
    return StepOutcome.drop(NAME + ":" + language(ranked.get(0).label()));
  }

  private static String language(String label) {
    return (label.startsWith(LABEL_PREFIX) ? label.substring(LABEL_PREFIX.length()) : label).toLowerCase(Locale.ROOT);
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
