package dev.kiln.workflows.training;

/**
 * One entry of the goodput ledger: training stopped other than by finishing a segment.
 *
 * @param cause what happened, e.g. "worker lost (heartbeat timeout)", "corrupt checkpoint", "loss spike",
 *     "operator pause"
 * @param lastAliveEpochMillis the last time the training activity reported progress (its last heartbeat)
 * @param detectedAfterMillis from then until the workflow learnt of it
 * @param lastStep the last step the stopped attempt reported
 * @param resumedFromStep the committed checkpoint training resumed from
 * @param stepsLost steps trained that were thrown away ({@code lastStep - resumedFromStep}, at least 0)
 * @param timeToFirstStepMillis from {@code lastAliveEpochMillis} to the first step of the resumed training (MTTR),
 *     -1 until that step happened
 */
public record Interruption(
    String cause,
    long lastAliveEpochMillis,
    long detectedAfterMillis,
    int lastStep,
    int resumedFromStep,
    int stepsLost,
    long timeToFirstStepMillis) {

  public Interruption resumedAt(long firstStepEpochMillis) {
    return new Interruption(cause, lastAliveEpochMillis, detectedAfterMillis, lastStep, resumedFromStep, stepsLost,
        Math.max(0, firstStepEpochMillis - lastAliveEpochMillis));
  }

  public boolean resumed() {
    return timeToFirstStepMillis >= 0;
  }
}
