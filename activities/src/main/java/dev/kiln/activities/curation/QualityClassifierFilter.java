package dev.kiln.activities.curation;

import dev.kiln.activities.curation.quality.QualityModel;
import dev.kiln.workflows.curation.ScoreHistogram;
import dev.kiln.workflows.spec.CurationStepSpec;
import java.util.Locale;

/**
 * DCLM's learned quality filter: keeps a document whose classifier score is at least the threshold, the profile's
 * {@code minScore} or, for {@code keepFraction}, the score that fraction of the model's raw training sample reached
 * (recorded at training time, so every shard uses the same threshold). Drops with reason {@code quality:low-score};
 * records the score histogram (20 bins over [0, 1]).
 */
public final class QualityClassifierFilter implements ScoringStep {

  public static final String NAME = "quality-classifier";
  public static final String LOW_SCORE = "quality:low-score";

  private final QualityModel model;
  private final double threshold;
  private final ScoreRecorder recorder = new ScoreRecorder("quality score", 0, 1, ScoreRecorder.BINS);

  QualityClassifierFilter(QualityModel model, double threshold) {
    this.model = model;
    this.threshold = threshold;
  }

  public static QualityClassifierFilter of(QualityModel model, CurationStepSpec.QualityClassifier spec) {
    double threshold = spec.minScore() != null ? spec.minScore() : model.info().thresholdForKeepFraction(spec.keepFraction());
    return new QualityClassifierFilter(model, threshold);
  }

  public double threshold() {
    return threshold;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StepOutcome apply(Document doc) {
    double score = model.classifier().score(doc.text());
    recorder.record(score);
    return score >= threshold ? StepOutcome.keep(doc) : StepOutcome.drop(LOW_SCORE);
  }

  @Override
  public ScoreHistogram scores() {
    return recorder.histogram();
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%s(threshold %.4f)", NAME, threshold);
  }
}
