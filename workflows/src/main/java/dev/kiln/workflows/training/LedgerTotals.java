package dev.kiln.workflows.training;

import java.util.List;

/**
 * Counts over the whole run, of which the run itself carries only the newest entries (see {@link TrainingRun}):
 * the lists of interruptions, rollbacks, warnings and resumes it keeps are bounded, these are not.
 *
 * @param stepsLost steps trained and thrown away, over every interruption
 * @param lossRollbacks rollbacks after a loss spike or non-finite loss (what {@code resilience.maxRollbacks} bounds)
 * @param forgottenMilestones retained milestone checkpoints no longer carried (they stay in storage; see
 *     {@link TrainingRun#MILESTONES_CARRIED})
 */
public record LedgerTotals(
    int interruptions, long stepsLost, int rollbacks, int lossRollbacks, int warnings, int resumes,
    int forgottenMilestones) {

  public static final LedgerTotals NONE = new LedgerTotals(0, 0, 0, 0, 0, 0, 0);

  /** The totals of a record that carried complete lists (a run that continued as new before totals existed). */
  public static LedgerTotals of(List<Interruption> interruptions, List<Rollback> rollbacks, List<String> warnings,
      List<Integer> resumes) {
    return new LedgerTotals(interruptions.size(), interruptions.stream().mapToLong(Interruption::stepsLost).sum(),
        rollbacks.size(), (int) rollbacks.stream().filter(r -> r.anomaly() != null).count(), warnings.size(),
        resumes.size(), 0);
  }

  LedgerTotals interrupted(int stepsLostNow) {
    return new LedgerTotals(interruptions + 1, stepsLost + stepsLostNow, rollbacks, lossRollbacks, warnings, resumes,
        forgottenMilestones);
  }

  LedgerTotals rolledBack(boolean loss) {
    return new LedgerTotals(interruptions, stepsLost, rollbacks + 1, lossRollbacks + (loss ? 1 : 0), warnings, resumes,
        forgottenMilestones);
  }

  LedgerTotals warned() {
    return new LedgerTotals(interruptions, stepsLost, rollbacks, lossRollbacks, warnings + 1, resumes,
        forgottenMilestones);
  }

  LedgerTotals resumed() {
    return new LedgerTotals(interruptions, stepsLost, rollbacks, lossRollbacks, warnings, resumes + 1,
        forgottenMilestones);
  }

  LedgerTotals forgot(int milestones) {
    return new LedgerTotals(interruptions, stepsLost, rollbacks, lossRollbacks, warnings, resumes,
        forgottenMilestones + milestones);
  }
}
