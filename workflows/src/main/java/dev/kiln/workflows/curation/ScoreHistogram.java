package dev.kiln.workflows.curation;

import java.util.ArrayList;
import java.util.List;

/**
 * How a scoring step's scores were distributed over the documents it saw: {@code counts.size()} equal bins
 * between {@code min} and {@code max} (scores outside go to the first or last bin). {@code score} says what was
 * binned, e.g. {@code "quality"} or {@code "log10 perplexity"}. Histograms with the same score and bins add up
 * over shards.
 */
public record ScoreHistogram(String score, double min, double max, List<Long> counts) {

  public ScoreHistogram {
    if (!(max > min) || counts.isEmpty()) {
      throw new IllegalArgumentException("a histogram needs max > min and bins, got " + min + ".." + max + " with "
          + counts.size() + " bins");
    }
    counts = List.copyOf(counts);
  }

  public int bins() {
    return counts.size();
  }

  public long total() {
    return counts.stream().mapToLong(Long::longValue).sum();
  }

  public ScoreHistogram plus(ScoreHistogram other) {
    if (!score.equals(other.score) || min != other.min || max != other.max || bins() != other.bins()) {
      throw new IllegalArgumentException("cannot add histogram of " + other.score + " " + other.min + ".." + other.max
          + "/" + other.bins() + " to " + score + " " + min + ".." + max + "/" + bins());
    }
    List<Long> sum = new ArrayList<>(counts.size());
    for (int i = 0; i < counts.size(); i++) {
      sum.add(counts.get(i) + other.counts.get(i));
    }
    return new ScoreHistogram(score, min, max, sum);
  }

  /** The bin a score falls into. */
  public static int bin(double value, double min, double max, int bins) {
    if (Double.isNaN(value) || value <= min) {
      return 0;
    }
    return (int) Math.min(bins - 1, Math.floor((value - min) / (max - min) * bins));
  }
}
