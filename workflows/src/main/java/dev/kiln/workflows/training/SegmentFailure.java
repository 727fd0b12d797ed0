package dev.kiln.workflows.training;

import dev.kiln.workflows.Failures;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TimeoutFailure;
import java.util.Optional;

/**
 * A training segment's activity failure, read for {@link TrainingRun#onInterruption}: its cause for the goodput
 * ledger, the committed checkpoint it found corrupt, and the activity's last heartbeat.
 *
 * @param corruptPrefix the committed checkpoint that failed verification when loaded, or null
 * @param beat the activity's last heartbeat, or null
 */
record SegmentFailure(String reason, String corruptPrefix, String corruptMessage, TrainingHeartbeat beat) {

  /**
   * @return null if the segment was cancelled before it started (nothing was trained)
   * @throws ApplicationFailure the activity's own non-retryable failure (bad input: retrying cannot fix it)
   */
  static SegmentFailure of(ActivityFailure failure) {
    Throwable cause = failure.getCause();
    if (cause instanceof CanceledFailure) {
      return null;
    }
    TrainingHeartbeat beat = lastHeartbeat(cause).orElse(null);
    if (cause instanceof TimeoutFailure timeout) {
      return new SegmentFailure("worker lost (" + timeout.getTimeoutType().name().replace("TIMEOUT_TYPE_", "").toLowerCase()
          + " timeout)", null, null, beat);
    } else if (cause instanceof ApplicationFailure app && Failures.CORRUPT_CHECKPOINT.equals(app.getType())) {
      return new SegmentFailure("corrupt checkpoint", app.getDetails().get(0, String.class), app.getOriginalMessage(), beat);
    } else if (cause instanceof ApplicationFailure app && app.isNonRetryable()) {
      throw app;
    }
    String message = cause instanceof ApplicationFailure app ? app.getOriginalMessage()
        : cause == null ? failure.getMessage() : cause.getMessage();
    return new SegmentFailure(
        "activity failed: " + (message.length() > 160 ? message.substring(0, 160) + "..." : message), null, null, beat);
  }

  private static Optional<TrainingHeartbeat> lastHeartbeat(Throwable cause) {
    try {
      if (cause instanceof TimeoutFailure timeout && timeout.getLastHeartbeatDetails().getSize() > 0) {
        return Optional.ofNullable(timeout.getLastHeartbeatDetails().get(TrainingHeartbeat.class));
      }
      if (cause instanceof ApplicationFailure app && app.getDetails().getSize() > 0
          && !Failures.CORRUPT_CHECKPOINT.equals(app.getType())) {
        return Optional.ofNullable(app.getDetails().get(TrainingHeartbeat.class));
      }
    } catch (RuntimeException unreadable) {
      // details of another shape (an older worker): resume from the committed record alone
    }
    return Optional.empty();
  }
}
