package dev.kiln.activities.scaling;

import dev.kiln.workflows.ladder.LadderPoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Synthetic ladders drawn from a known law, as the ladder workflow would measure them. */
final class Ladders {
  private Ladders() {}

  /**
   * IsoFLOP profiles: at each budget, {@code sizes} models spaced by {@code step} in N around the law's
   * compute-optimal N*(C) (centred on it), each trained on D = C / (6 N) tokens; the loss is multiplied by
   * exp(noise * z), z standard normal drawn from {@code seed}.
   */
  static List<LadderPoint> isoFlop(ParametricLaw law, double[] budgets, int sizes, double step, double noise,
      long seed) {
    Random random = new Random(seed);
    List<LadderPoint> points = new ArrayList<>();
    for (double c : budgets) {
      double centre = law.optimalParameters(c);
      for (int i = 0; i < sizes; i++) {
        long n = Math.round(centre * Math.pow(step, i - (sizes - 1) / 2.0));
        long d = Math.round(c / (6.0 * n));
        double loss = law.loss(n, d) * Math.exp(noise * random.nextGaussian());
        points.add(new LadderPoint(String.format("C%.0e-N%d", c, i), n, d, 6.0 * n * d, c, loss));
      }
    }
    return points;
  }

  static double[] decades(double from, int count) {
    double[] b = new double[count];
    for (int i = 0; i < count; i++) {
      b[i] = from * Math.pow(10, i);
    }
    return b;
  }
}
