package dev.kiln.workflows.hub;

import io.temporal.activity.ActivityInterface;

/** Stage 2: the model hub (cards under {@code hub/} in the bucket). */
@ActivityInterface
public interface ModelHubActivities {
  ModelSelection selectModel(SelectModelRequest request);
}
