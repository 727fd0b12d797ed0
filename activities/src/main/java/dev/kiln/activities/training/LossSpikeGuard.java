package dev.kiln.activities.training;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;

/**
 * The loss-spike policy: a loss above {@code factor} x the mean of the last {@code window} accepted losses, and
 * at least {@link #MIN_EXCESS_NATS} above it, is rejected. The absolute floor keeps a model that has learnt its
 * data almost perfectly (losses near 0) from calling noise a spike. Nothing is rejected until the window is full,
 * so warm-up's falling losses never count. The window travels in checkpoints, so a resumed run decides exactly as
 * the uninterrupted one would have.
 */
final class LossSpikeGuard implements Trainer.LossGuard {
  static final double MIN_EXCESS_NATS = 0.1;

  private final double factor;
  private final int window;
  private final ArrayDeque<Double> recent = new ArrayDeque<>();
  private double sum;

  /** @param factor 0 turns spike detection off */
  LossSpikeGuard(double factor, int window, List<Double> recent) {
    if (window < 1) {
      throw new IllegalArgumentException("the moving average needs a window of at least 1 step, got " + window);
    }
    this.factor = factor;
    this.window = window;
    recent.forEach(this::accept);
  }

  @Override
  public String reject(double loss) {
    if (factor <= 0 || recent.size() < window) {
      return null;
    }
    double mean = movingAverage();
    return loss > factor * mean && loss - mean >= MIN_EXCESS_NATS
        ? String.format(Locale.ROOT, "loss %.4f > %.1f x moving average %.4f", loss, factor, mean)
        : null;
  }

  void accept(double loss) {
    recent.addLast(loss);
    sum += loss;
    if (recent.size() > window) {
      sum -= recent.removeFirst();
    }
  }

  /** NaN until a loss was accepted. */
  double movingAverage() {
    return recent.isEmpty() ? Double.NaN : sum / recent.size();
  }

  List<Double> recent() {
    return List.copyOf(recent);
  }
}
