package dev.kiln.workflows.training;

import java.util.List;

/**
 * @param checkpoints checkpoints written by this activity, oldest first; the last is at the segment's end
 * @param resumedFromStep the step this attempt started at (after a crash, from its last heartbeat)
 * @param attempt the activity attempt that finished the segment
 */
public record SegmentResult(
    List<CheckpointRef> checkpoints,
    int resumedFromStep,
    int attempt,
    double tokensPerSecond,
    long trainNanos) {

  public CheckpointRef last() {
    return checkpoints.get(checkpoints.size() - 1);
  }
}
