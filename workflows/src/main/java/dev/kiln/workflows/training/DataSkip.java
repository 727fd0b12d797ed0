package dev.kiln.workflows.training;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Batches never trained on: data indices {@code [from, to)}. Training step s reads the batch of data index
 * {@link #dataIndex(int, List)}: s itself until a window is skipped, then shifted past every skipped window. The
 * batch of a data index is a pure function of (seed, index), so skipping keeps resume exact.
 *
 * @param reason why, for the run's record (a loss spike at a step, or an operator's request)
 */
public record DataSkip(long from, long to, String reason) {

  public DataSkip {
    if (from < 0 || to <= from) {
      throw new IllegalArgumentException("a skipped data range needs 0 <= from < to, got [" + from + ", " + to + ")");
    }
  }

  public long length() {
    return to - from;
  }

  /** The data index training step {@code step} reads: the step-th index outside every skipped window. */
  public static long dataIndex(int step, List<DataSkip> skips) {
    long index = step;
    for (long[] window : merged(skips)) {
      if (window[0] <= index) {
        index += window[1] - window[0];
      }
    }
    return index;
  }

  /** The windows as disjoint [from, to) pairs in order (overlapping or touching windows joined). */
  private static List<long[]> merged(List<DataSkip> skips) {
    List<DataSkip> sorted = new ArrayList<>(skips);
    sorted.sort(Comparator.comparingLong(DataSkip::from));
    List<long[]> out = new ArrayList<>();
    for (DataSkip skip : sorted) {
      long[] last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && skip.from <= last[1]) {
        last[1] = Math.max(last[1], skip.to);
      } else {
        out.add(new long[] {skip.from, skip.to});
      }
    }
    return out;
  }
}
