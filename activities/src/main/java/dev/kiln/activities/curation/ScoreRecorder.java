package dev.kiln.activities.curation;

import dev.kiln.workflows.curation.ScoreHistogram;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/** Counts scores into equal bins between min and max; safe to use from several threads. */
public final class ScoreRecorder {
  public static final int BINS = 20;

  private final String score;
  private final double min;
  private final double max;
  private final AtomicLongArray counts;

  public ScoreRecorder(String score, double min, double max, int bins) {
    this.score = score;
    this.min = min;
    this.max = max;
    this.counts = new AtomicLongArray(bins);
  }

  public void record(double value) {
    counts.incrementAndGet(ScoreHistogram.bin(value, min, max, counts.length()));
  }

  public ScoreHistogram histogram() {
    List<Long> bins = new ArrayList<>(counts.length());
    for (int i = 0; i < counts.length(); i++) {
      bins.add(counts.get(i));
    }
    return new ScoreHistogram(score, min, max, bins);
  }
}
