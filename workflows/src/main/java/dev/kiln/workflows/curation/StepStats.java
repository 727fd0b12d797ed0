package dev.kiln.workflows.curation;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import java.util.TreeMap;

/**
 * Bookkeeping of one curation step: documents and tokens in, kept, and dropped per reason, and time spent.
 * Values add up over shards with {@link #plus}. {@code scores} is the histogram of a scoring step's scores
 * (quality classifier, perplexity), null for the other steps and left out of the JSON then, so stats recorded
 * before it existed read back unchanged.
 */
public record StepStats(
    String step,
    long documentsIn,
    long documentsKept,
    long tokensIn,
    long tokensKept,
    Map<String, Long> droppedByReason,
    long nanos,
    @JsonInclude(JsonInclude.Include.NON_NULL) ScoreHistogram scores) {

  public StepStats(
      String step, long documentsIn, long documentsKept, long tokensIn, long tokensKept,
      Map<String, Long> droppedByReason, long nanos) {
    this(step, documentsIn, documentsKept, tokensIn, tokensKept, droppedByReason, nanos, null);
  }

  public StepStats withScores(ScoreHistogram histogram) {
    return new StepStats(step, documentsIn, documentsKept, tokensIn, tokensKept, droppedByReason, nanos, histogram);
  }

  public StepStats plus(StepStats other) {
    if (!step.equals(other.step)) {
      throw new IllegalArgumentException("cannot add stats of " + other.step + " to " + step);
    }
    Map<String, Long> reasons = new TreeMap<>(droppedByReason);
    other.droppedByReason.forEach((k, v) -> reasons.merge(k, v, Long::sum));
    ScoreHistogram histogram = scores == null ? other.scores : other.scores == null ? scores : scores.plus(other.scores);
    return new StepStats(
        step,
        documentsIn + other.documentsIn,
        documentsKept + other.documentsKept,
        tokensIn + other.tokensIn,
        tokensKept + other.tokensKept,
        reasons,
        nanos + other.nanos,
        histogram);
  }

  public long documentsDropped() {
    return documentsIn - documentsKept;
  }

  public long tokensDropped() {
    return tokensIn - tokensKept;
  }
}
