package dev.kiln.workflows.curation;

import java.util.List;

/**
 * What curation produced: keys of the manifest, tokenizer, stats and report in S3, and the funnel.
 *
 * @param reportKey the curation report as JSON; the same name with {@code .txt} is its readable table
 * @param funnelChartKey the funnel chart (PNG)
 * @param rawTokens tokens of the raw documents as read (markup included), counted with the reference
 *     tokenizer (GPT-2); the denominator of {@link #tokenRetention()}
 * @param keptTokens reference tokens of the documents that survived every step
 * @param trainTokens tokens of the training shards, in the run's own tokenizer (end-of-text tokens included)
 * @param heldOutTokens tokens of the held-out shards, in the run's own tokenizer
 */
public record CurationResult(
    String manifestKey,
    String tokenizerKey,
    String statsKey,
    String reportKey,
    String funnelChartKey,
    int vocabSize,
    long rawDocuments,
    long rawTokens,
    long keptDocuments,
    long keptTokens,
    long trainTokens,
    long heldOutTokens,
    List<StepStats> funnel) {

  /** Fraction of raw reference tokens that survived curation. */
  public double tokenRetention() {
    return rawTokens == 0 ? 0 : (double) keptTokens / rawTokens;
  }
}
