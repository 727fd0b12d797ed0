package dev.kiln.workflows.training;

/**
 * What a training activity heartbeats: live progress for {@code kiln watch}, and the newest checkpoint it has
 * made durable, which the workflow verifies and commits if the activity dies.
 *
 * @param epochMillis when the activity sent it (the goodput ledger's "last alive")
 * @param firstStepEpochMillis when this activity's first step finished, 0 before (ends the MTTR of the
 *     interruption it resumed from, even if this activity dies later)
 * @param waitingFor what the activity waits for before its next step, e.g. {@link #WAITING_FOR_ENGINE} while
 *     another training in the same worker holds the engine; null when it trains (and in heartbeats of builds
 *     before this field, which deserialize to null)
 */
public record TrainingHeartbeat(
    int step,
    int totalSteps,
    double loss,
    double tokensPerSecond,
    double etaSeconds,
    CheckpointRef lastCheckpoint,
    long epochMillis,
    long firstStepEpochMillis,
    String waitingFor) {

  /** Another training in the worker's JVM holds the (process-global) training engine; this one takes its turn next. */
  public static final String WAITING_FOR_ENGINE = "the training engine (another run on this worker holds it)";

  /** A heartbeat of an activity that is training, not waiting. */
  public TrainingHeartbeat(int step, int totalSteps, double loss, double tokensPerSecond, double etaSeconds,
      CheckpointRef lastCheckpoint, long epochMillis, long firstStepEpochMillis) {
    this(step, totalSteps, loss, tokensPerSecond, etaSeconds, lastCheckpoint, epochMillis, firstStepEpochMillis, null);
  }
}
