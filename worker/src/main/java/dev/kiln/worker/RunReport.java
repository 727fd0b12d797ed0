package dev.kiln.worker;

import dev.kiln.workflows.curation.StepStats;
import dev.kiln.workflows.pretraining.RunSummary;
import dev.kiln.workflows.training.GoodputLedger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The final summary of a run, as printed by {@code kiln run}, {@code kiln watch} and {@code kiln status}. */
public final class RunReport {
  private RunReport() {}

  public static String format(RunSummary s, String bucket) {
    StringBuilder b = new StringBuilder();
    b.append("\n=== Kiln run ").append(s.runId()).append(" ===\n");
    if (s.isSkipped()) {
      b.append("skipped   ").append(s.skipped()).append('\n');
      return b.toString();
    }
    b.append(String.format("scope     %s -> %s / %s%n", s.plan().task(), s.plan().architecture(), s.plan().objective()));
    b.append("          ").append(s.plan().architectureReason()).append('\n');
    b.append("          ").append(s.plan().sizingReason()).append('\n');
    b.append("model     ").append(s.selection().reason()).append('\n');
    if (s.raw() != null) {
      b.append(String.format("raw data  %,d raw objects (%,d bytes): %,d new to this spec's lineage, %,d consumed by %d earlier run(s)%n",
          s.raw().objects(), s.raw().bytes(), s.raw().newObjects(), s.raw().consumedEarlier(), s.raw().earlierRuns()));
    }
    var c = s.curation();
    b.append(String.format(
        "curation  %,d raw documents (%,d tokens) -> %,d kept (%,d tokens): %.2f%% of raw tokens kept%n",
        c.rawDocuments(), c.rawTokens(), c.keptDocuments(), c.keptTokens(), 100 * c.tokenRetention()));
    for (StepStats step : c.funnel()) {
      b.append(String.format(
          "          %-16s docs %,9d -> %,9d   tokens %,12d -> %,12d   %s%n",
          step.step(), step.documentsIn(), step.documentsKept(), step.tokensIn(), step.tokensKept(),
          topReasons(step.droppedByReason())));
    }
    b.append(String.format(
        "          train %,d tokens, held-out %,d tokens, vocabulary %,d%n", c.trainTokens(), c.heldOutTokens(), c.vocabSize()));
    b.append("          report s3://").append(bucket).append('/').append(c.reportKey()).append(" (.txt, .png beside it)\n");
    var t = s.training();
    b.append(String.format(
        "pretrain  %,d parameters, %,d steps, %,d tokens seen, %,.0f tokens/s, final train loss %.4f%n",
        t.parameters(), t.finalCheckpoint().step(), t.tokensSeen(), t.tokensPerSecond(), t.finalCheckpoint().trainLoss()));
    b.append("          ").append(GoodputLedger.summary(t)).append('\n');
    GoodputLedger.details(t.interruptions(), t.rollbacks(), t.warnings(), t.totals())
        .forEach(line -> b.append("          ").append(line).append('\n'));
    var e = s.evaluation();
    b.append(String.format(
        "evaluate  held-out perplexity %.2f vs unigram baseline %.2f over %,d tokens: %s%n",
        e.heldOutPerplexity(), e.unigramPerplexity(), e.heldOutTokensEvaluated(),
        e.beatsBaseline() ? "beats its baseline" : "does NOT beat its baseline"));
    e.objectiveMetrics().forEach((name, value) -> b.append(String.format("          %s %.4f%n", name, value)));
    for (int i = 0; i < e.samples().size(); i++) {
      b.append(String.format("          sample %d: %s%n", i + 1, oneLine(e.samples().get(i))));
    }
    b.append("model     s3://").append(bucket).append('/').append(e.modelPrefix()).append('\n');
    b.append("card      s3://").append(bucket).append('/').append(e.cardKey()).append('\n');
    b.append("hub       ").append(e.hubModelId()).append('\n');
    b.append("stages   ");
    s.stageMillis().forEach((stage, ms) -> b.append(String.format(" %s %.1fs", stage, ms / 1000.0)));
    b.append('\n');
    if (!e.beatsBaseline()) {
      b.append(baselineMissed(s)).append('\n');
    }
    return b.toString();
  }

  /**
   * The summary's last line when the model does not beat its baseline: {@code kiln run} then exits 1, and this line
   * says why and what to change. Names each comparison the model lost (perplexity against the unigram's, and the
   * objective's own metric against its baseline where it has one).
   */
  static String baselineMissed(RunSummary s) {
    var e = s.evaluation();
    String perplexity = switch (s.plan().objective()) {
      case MLM -> "pseudo-perplexity";
      case SPAN_CORRUPTION -> "span-target perplexity";
      case CLM -> "held-out perplexity";
    };
    List<String> lost = new ArrayList<>();
    if (!(e.heldOutPerplexity() < e.unigramPerplexity())) {
      lost.add(String.format(Locale.ROOT, "%s %.2f vs the unigram's %.2f", perplexity, e.heldOutPerplexity(), e.unigramPerplexity()));
    }
    Map<String, Double> m = e.objectiveMetrics() == null ? Map.of() : e.objectiveMetrics();
    lostIf(lost, m, "masked_token_accuracy", "most_frequent_token_accuracy", false, "masked-token accuracy %.4f vs the most frequent token's %.4f");
    lostIf(lost, m, "span_content_perplexity", "baseline_span_content_perplexity", true, "span-content perplexity %.2f vs the unigram's %.2f");
    if (lost.isEmpty()) { // no comparison found in the summary: still say what was measured
      lost.add(String.format(Locale.ROOT, "%s %.2f vs the unigram's %.2f", perplexity, e.heldOutPerplexity(), e.unigramPerplexity()));
    }
    return "kiln: the run completed, but its model does not beat the unigram baseline (" + String.join("; ", lost)
        + String.format(Locale.ROOT, "), so kiln run exits with code 1; train longer (training.steps; this run trained %,d)",
            s.training().finalCheckpoint().step())
        + " or with a larger budget (budget.trainingFlops)";
  }

  private static void lostIf(List<String> lost, Map<String, Double> m, String metric, String baseline, boolean lowerIsBetter, String format) {
    Double value = m.get(metric);
    Double base = m.get(baseline);
    if (value == null || base == null) {
      return;
    }
    boolean beats = lowerIsBetter ? value < base : value > base;
    if (!beats) {
      lost.add(String.format(Locale.ROOT, format, value, base));
    }
  }

  private static String topReasons(Map<String, Long> reasons) {
    return reasons.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(3)
        .map(r -> r.getKey() + "=" + r.getValue())
        .reduce((a, b) -> a + ", " + b)
        .orElse("");
  }

  private static String oneLine(String text) {
    String flat = text.replaceAll("\\s+", " ").trim();
    return flat.length() > 160 ? flat.substring(0, 160) + "..." : flat;
  }
}
