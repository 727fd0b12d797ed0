package dev.kiln.workflows.curation;

import io.temporal.activity.ActivityInterface;
import java.util.List;

/**
 * Trains the quality classifier that the {@code qualityClassifier} curation step applies (docs/quality-filter.md),
 * from objects in the bucket, and stores it under {@code outPrefix}. {@code kiln quality train} runs the same code
 * in the command's own process; this activity lets a workflow do it on a worker.
 */
@ActivityInterface
public interface QualityClassifierActivities {

  /** What to train on and how; the settings mirror {@code kiln quality train}'s options. */
  record TrainRequest(List<String> positivePrefixes, List<String> negativePrefixes, String outPrefix, int buckets,
      int dim, int epochs, double learningRate, int chunkWords, double heldOutFraction, long seed) {}

  /** Where the model went and its held-out figures beside the Gopher rules' (all in {@code infoKey} too). */
  record TrainResult(String weightsKey, String infoKey, int trainExamples, int heldOutExamples, double precision,
      double recall, double f1, double auc, double baselinePrecision, double baselineRecall, double baselineF1) {}

  /** Fails non-retryably (BadData) when a prefix holds no objects or a class has too few documents. */
  TrainResult trainQualityClassifier(TrainRequest request);
}
