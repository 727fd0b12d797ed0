package dev.kiln.workflows.evaluation;

import io.temporal.activity.ActivityInterface;

/** Stage 5: held-out metrics against a baseline, samples, plots, the model card; publish to the hub. */
@ActivityInterface
public interface EvaluationActivities {
  EvaluationResult evaluate(EvaluationRequest request);
}
