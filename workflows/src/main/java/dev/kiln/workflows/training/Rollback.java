package dev.kiln.workflows.training;

/**
 * Training went back to a committed checkpoint: after a loss spike or non-finite loss (with the offending data
 * skipped), or at an operator's request.
 *
 * @param anomaly the rejected step, or null for an operator's rollback
 * @param toStep the committed checkpoint training went back to
 * @param skipped the data window skipped, or null if none
 */
public record Rollback(LossAnomaly anomaly, int fromStep, int toStep, DataSkip skipped, String reason) {}
