package dev.kiln.workflows.training;

import java.util.ArrayList;
import java.util.List;

/**
 * The training loss of the current line of training, one point per committed checkpoint (the mean loss of the
 * steps that led to it), thinned so that it stays at most {@link #MAX_POINTS} points however long the run: when
 * it would grow past that, every other point is dropped (the first and the newest are kept). A run carries this
 * across continue-as-new instead of every committed checkpoint; the per-step losses stay in the run's loss log.
 *
 * @param steps the steps of the points, increasing
 * @param losses the loss at each of {@code steps}
 */
public record LossCurve(List<Integer> steps, List<Double> losses) {
  public static final int MAX_POINTS = 256;

  public LossCurve {
    steps = List.copyOf(steps);
    losses = List.copyOf(losses);
    if (steps.size() != losses.size()) {
      throw new IllegalArgumentException("a loss curve needs one loss per step, got " + steps.size() + " steps and "
          + losses.size() + " losses");
    }
  }

  public static LossCurve empty() {
    return new LossCurve(List.of(), List.of());
  }

  /** The curve of {@code committed} (oldest first), thinned. */
  public static LossCurve of(List<CheckpointRef> committed) {
    return empty().with(committed);
  }

  /** This curve with the checkpoints past its newest step added in step order, thinned. */
  public LossCurve with(List<CheckpointRef> checkpoints) {
    List<Integer> s = new ArrayList<>(steps);
    List<Double> l = new ArrayList<>(losses);
    checkpoints.stream()
        .sorted(java.util.Comparator.comparingInt(CheckpointRef::step))
        .forEach(c -> {
          if (s.isEmpty() || c.step() > s.get(s.size() - 1)) {
            s.add(c.step());
            l.add(c.trainLoss());
            if (s.size() > MAX_POINTS) {
              thin(s, l);
            }
          }
        });
    return new LossCurve(s, l);
  }

  /** The curve up to and including {@code step} (training went back to it). */
  public LossCurve truncatedAfter(int step) {
    int n = 0;
    while (n < steps.size() && steps.get(n) <= step) {
      n++;
    }
    return new LossCurve(steps.subList(0, n), losses.subList(0, n));
  }

  /** The first step of the curve, or -1 if it has none. */
  public int firstStep() {
    return steps.isEmpty() ? -1 : steps.get(0);
  }

  /** Keeps the points at even indices and the newest one. */
  private static void thin(List<Integer> s, List<Double> l) {
    int last = s.size() - 1;
    List<Integer> ks = new ArrayList<>();
    List<Double> kl = new ArrayList<>();
    for (int i = 0; i < s.size(); i++) {
      if (i % 2 == 0 || i == last) {
        ks.add(s.get(i));
        kl.add(l.get(i));
      }
    }
    s.clear();
    s.addAll(ks);
    l.clear();
    l.addAll(kl);
  }
}
