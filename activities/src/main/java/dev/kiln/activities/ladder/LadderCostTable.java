package dev.kiln.activities.ladder;

import dev.kiln.workflows.ladder.RungResult;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * What a ladder's rungs cost as they grow: one line per rung, by parameters, with its context length, tokens, FLOPs,
 * held-out loss, training throughput and peak memory. The report's text and the ladder card show it.
 */
public final class LadderCostTable {
  private LadderCostTable() {}

  public static String text(List<RungResult> rungs) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-16s %10s %14s %7s %14s %10s %8s %10s %10s %8s%n",
        "rung", "budget", "N (non-emb)", "context", "D tokens", "FLOPs", "loss", "tokens/s", "peak MiB", "attempts"));
    rungs.stream()
        .sorted(Comparator.comparingLong(RungResult::parameters).thenComparingLong(RungResult::tokens))
        .forEach(r -> b.append(String.format(Locale.ROOT, "%-16s %10s %,14d %7d %,14d %10.3g %8.4f %,10.0f %10s %8d%n",
            r.rung(), r.budget() > 0 ? String.format(Locale.ROOT, "%.3g", r.budget()) : "-", r.parameters(),
            r.contextLength(), r.tokens(), r.flops(), r.loss(), r.tokensPerSecond(),
            r.peakMemoryBytes() > 0 ? String.format(Locale.ROOT, "%,.0f", r.peakMemoryBytes() / 1048576.0) : "n/a",
            r.attempts())));
    return b.toString();
  }
}
