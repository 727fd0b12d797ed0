package dev.kiln.activities.curation;

import dev.kiln.workflows.curation.ScoreHistogram;
import dev.kiln.workflows.curation.StepStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What curation did to the raw data, for people: per step the documents and reference tokens in and kept,
 * the main reasons for drops and the time spent, the share of raw tokens left after each step, and examples
 * of dropped documents per reason. Written per run as JSON, as a text table and (with {@link FunnelChart})
 * as a PNG.
 *
 * @param examples a few dropped documents per step and reason, in the order the shards dropped them
 */
public record CurationReport(
    String runId,
    String profile,
    long rawDocuments,
    long rawTokens,
    long keptDocuments,
    long keptTokens,
    double tokenRetentionPercent,
    List<StepStats> funnel,
    List<DroppedExample> examples) {

  public static CurationReport of(String runId, String profile, List<StepStats> funnel, List<DroppedExample> examples) {
    StepStats first = funnel.get(0);
    StepStats last = funnel.get(funnel.size() - 1);
    double retention = first.tokensIn() == 0 ? 0 : 100.0 * last.tokensKept() / first.tokensIn();
    return new CurationReport(runId, profile, first.documentsIn(), first.tokensIn(), last.documentsKept(),
        last.tokensKept(), retention, funnel, examples);
  }

  /** Keeps at most {@code perReason} examples of each step and reason, the first ones offered. */
  public static List<DroppedExample> firstExamples(List<DroppedExample> examples, int perReason) {
    Map<String, Integer> taken = new LinkedHashMap<>();
    List<DroppedExample> first = new ArrayList<>();
    for (DroppedExample example : examples) {
      if (taken.merge(example.step() + "\u0000" + example.reason(), 1, Integer::sum) <= perReason) {
        first.add(example);
      }
    }
    return first;
  }

  /** The funnel as a fixed-width table; "raw tokens left" is each step's kept tokens over the raw tokens. */
  public static String table(List<StepStats> funnel) {
    long rawTokens = funnel.get(0).tokensIn();
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-18s %10s %10s %8s %13s %13s %9s %8s  %s%n",
        "step", "docs in", "docs kept", "dropped", "tokens in", "tokens kept", "raw left", "time s", "main reasons"));
    for (StepStats s : funnel) {
      b.append(String.format(Locale.ROOT, "%-18s %,10d %,10d %7.1f%% %,13d %,13d %8.2f%% %8.1f  %s%n",
          s.step(), s.documentsIn(), s.documentsKept(), percent(s.documentsDropped(), s.documentsIn()), s.tokensIn(),
          s.tokensKept(), percent(s.tokensKept(), rawTokens), s.nanos() / 1e9, mainReasons(s, 3)));
    }
    return b.toString();
  }

  /** The table, the overall retention and the examples, as the report's text file. */
  public String text() {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
        "Curation of run %s with profile %s%n%,d raw documents (%,d tokens) -> %,d kept (%,d tokens): %.2f%% of raw tokens kept%n"
            + "(tokens: GPT-2 reference tokenizer)%n%n",
        runId, profile, rawDocuments, rawTokens, keptDocuments, keptTokens, tokenRetentionPercent));
    b.append(table(funnel));
    for (StepStats s : funnel) {
      if (s.scores() != null) {
        b.append(String.format(Locale.ROOT, "%nScores of step %s (%s, %,d documents)%n", s.step(), s.scores().score(),
            s.scores().total()));
        b.append(histogram(s.scores()));
      }
    }
    b.append("\nExamples of dropped documents\n");
    for (DroppedExample e : examples) {
      b.append(String.format(Locale.ROOT, "%n[%s] %s%n  %s%n", e.reason(), e.documentId(), e.excerpt()));
    }
    return b.toString();
  }

  /** One line per bin: its range, its count and a bar scaled to the largest bin (40 characters). */
  public static String histogram(ScoreHistogram h) {
    long largest = h.counts().stream().mapToLong(Long::longValue).max().orElse(0);
    double width = (h.max() - h.min()) / h.bins();
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < h.bins(); i++) {
      long count = h.counts().get(i);
      int bar = largest == 0 ? 0 : (int) Math.round(40.0 * count / largest);
      b.append(String.format(Locale.ROOT, "  %7.3f .. %7.3f %,10d  %s%n", h.min() + i * width, h.min() + (i + 1) * width,
          count, "#".repeat(bar)));
    }
    return b.toString();
  }

  public static String mainReasons(StepStats s, int limit) {
    return s.droppedByReason().entrySet().stream()
        .sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
        .limit(limit)
        .map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue()))
        .reduce((x, y) -> x + ", " + y)
        .orElse("");
  }

  private static double percent(long part, long whole) {
    return whole == 0 ? 0 : 100.0 * part / whole;
  }
}
