package dev.kiln.workflows.curation;

import java.util.List;

/**
 * What curation produced: keys of the manifest, tokenizer and stats in S3, and the funnel.
 *
 * @param rawTokens tokens of the raw documents as read (markup included), counted with the reference
 *     tokenizer; the denominator of {@link #tokenRetention()}
 */
public record CurationResult(
    String manifestKey,
    String tokenizerKey,
    String statsKey,
    int vocabSize,
    long rawDocuments,
    long rawTokens,
    long keptDocuments,
    long keptTokens,
    long trainTokens,
    long heldOutTokens,
    List<StepStats> funnel) {

  /** Fraction of raw tokens that made it into the training and held-out shards. */
  public double tokenRetention() {
    return rawTokens == 0 ? 0 : (double) keptTokens / rawTokens;
  }
}
