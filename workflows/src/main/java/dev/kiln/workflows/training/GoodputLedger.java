package dev.kiln.workflows.training;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The goodput ledger as text, the same in {@code kiln status}, the run summary and the model card. */
public final class GoodputLedger {
  private GoodputLedger() {}

  /** One line: goodput, interruptions with their MTTR, checkpoint cost, history size. */
  public static String summary(TrainingResult t) {
    LedgerTotals totals = t.totalsOrCounted();
    return String.format(Locale.ROOT,
        "goodput %.1f%% of %s; %d interruption(s)%s; %d rollback(s); checkpoints stall %.2f%% of training, %.1f MB/s;"
            + " history %,d events (%.1f per 1,000 steps; %d continue-as-new)",
        100 * t.goodput(), seconds(t.wallMillis()), totals.interruptions(), mttr(t.interruptions()),
        totals.rollbacks(), 100 * t.stallFraction(), t.checkpointMegabytesPerSecond(), t.historyEvents(),
        1000.0 * t.historyEvents() / Math.max(1, t.finalCheckpoint().step()), t.continuedAsNew());
  }

  /**
   * One line per interruption, rollback and warning the run carries (its newest), and a line for those before them.
   *
   * @param totals the counts over the whole run, or null (the lists are complete)
   */
  public static List<String> details(List<Interruption> interruptions, List<Rollback> rollbacks, List<String> warnings,
      LedgerTotals totals) {
    List<String> lines = new ArrayList<>();
    if (totals != null) {
      String earlier = earlier(totals.interruptions() - interruptions.size(), "interruption(s)")
          + earlier(totals.rollbacks() - rollbacks.size(), "rollback(s)")
          + earlier(totals.warnings() - warnings.size(), "warning(s)");
      if (!earlier.isEmpty()) {
        lines.add("earlier, not listed:" + earlier.substring(1) + " (the run carries only the newest of each)");
      }
    }
    for (Interruption i : interruptions) {
      lines.add(String.format(Locale.ROOT,
          "%s at step %d: detected after %s, resumed from step %d (%d steps lost), first step after %s",
          i.cause(), i.lastStep(), seconds(i.detectedAfterMillis()), i.resumedFromStep(), i.stepsLost(),
          i.resumed() ? seconds(i.timeToFirstStepMillis()) : "(not yet)"));
    }
    for (Rollback r : rollbacks) {
      lines.add("rollback from step " + r.fromStep() + " to " + r.toStep() + ": " + r.reason()
          + (r.skipped() == null ? "" : "; skipped data [" + r.skipped().from() + ", " + r.skipped().to() + ")"));
    }
    warnings.forEach(w -> lines.add("warning: " + w));
    return lines;
  }

  private static String earlier(int n, String what) {
    return n > 0 ? String.format(Locale.ROOT, ", %,d %s", n, what) : "";
  }

  /** " (MTTR median 6.1s, max 8.0s)" over the interruptions that resumed, or "". */
  public static String mttr(List<Interruption> interruptions) {
    List<Long> times = interruptions.stream().filter(Interruption::resumed).map(Interruption::timeToFirstStepMillis).sorted().toList();
    if (times.isEmpty()) {
      return "";
    }
    return " (MTTR median " + seconds(times.get(times.size() / 2)) + ", max " + seconds(times.get(times.size() - 1)) + ")";
  }

  public static String seconds(long millis) {
    return millis >= 60_000
        ? String.format(Locale.ROOT, "%dm%02ds", millis / 60_000, (millis / 1000) % 60)
        : String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
  }
}
