package dev.kiln.activities.curation.quality;

import dev.kiln.activities.KeepAlive;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.curation.QualityClassifierActivities;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link QualityClassifierActivities} over the bucket: {@link QualityTraining#run}, heartbeating while it works. */
public final class QualityClassifierActivitiesImpl implements QualityClassifierActivities {
  private static final Logger LOG = LoggerFactory.getLogger(QualityClassifierActivitiesImpl.class);
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(2);

  private final ObjectStore store;

  public QualityClassifierActivitiesImpl(ObjectStore store) {
    this.store = store;
  }

  @Override
  public TrainResult trainQualityClassifier(TrainRequest r) {
    try (KeepAlive alive = KeepAlive.start(Activity.getExecutionContext(), KEEP_ALIVE)) {
      QualityTrainer.Settings settings = new QualityTrainer.Settings(r.buckets(), r.dim(),
          QualityTrainer.Settings.DEFAULTS.maxWords(), r.chunkWords(), r.epochs(), r.learningRate(), r.seed(),
          r.heldOutFraction());
      QualityModel model = QualityTraining.run(store, r.positivePrefixes(), r.negativePrefixes(), r.outPrefix(),
          settings, message -> LOG.info("quality classifier {}: {}", r.outPrefix(), message));
      QualityModelInfo info = model.info();
      String prefix = QualityModel.prefix(r.outPrefix());
      BinaryMetrics m = info.heldOut().metrics();
      BinaryMetrics b = info.baseline().metrics();
      return new TrainResult(prefix + QualityModel.WEIGHTS, prefix + QualityModel.INFO,
          info.trainPositives() + info.trainNegatives(), info.heldOutPositives() + info.heldOutNegatives(),
          m.precision(), m.recall(), m.f1(), info.heldOut().auc(), b.precision(), b.recall(), b.f1());
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "cannot train quality classifier " + r.outPrefix() + ": " + e.getMessage(), Failures.BAD_DATA);
    }
  }
}
