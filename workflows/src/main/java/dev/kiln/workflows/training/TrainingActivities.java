package dev.kiln.workflows.training;

import io.temporal.activity.ActivityInterface;

/** Stage 4's work: one bounded segment of training, on the {@code gpu} queue. */
@ActivityInterface
public interface TrainingActivities {
  SegmentResult trainSegment(SegmentRequest request);
}
