package dev.kiln.workflows.curation;

import java.util.Map;
import java.util.TreeMap;

/**
 * Bookkeeping of one curation step: documents and tokens in, kept, and dropped per reason, and time spent.
 * Values add up over shards with {@link #plus}.
 */
public record StepStats(
    String step,
    long documentsIn,
    long documentsKept,
    long tokensIn,
    long tokensKept,
    Map<String, Long> droppedByReason,
    long nanos) {

  public StepStats plus(StepStats other) {
    if (!step.equals(other.step)) {
      throw new IllegalArgumentException("cannot add stats of " + other.step + " to " + step);
    }
    Map<String, Long> reasons = new TreeMap<>(droppedByReason);
    other.droppedByReason.forEach((k, v) -> reasons.merge(k, v, Long::sum));
    return new StepStats(
        step,
        documentsIn + other.documentsIn,
        documentsKept + other.documentsKept,
        tokensIn + other.tokensIn,
        tokensKept + other.tokensKept,
        reasons,
        nanos + other.nanos);
  }

  public long documentsDropped() {
    return documentsIn - documentsKept;
  }

  public long tokensDropped() {
    return tokensIn - tokensKept;
  }
}
