package dev.kiln.activities.scaling;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.commons.math3.analysis.MultivariateFunction;
import org.apache.commons.math3.exception.util.ExceptionContextProvider;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.MaxIter;
import org.apache.commons.math3.optim.PointValuePair;
import org.apache.commons.math3.optim.ConvergenceChecker;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunctionGradient;
import org.apache.commons.math3.optim.nonlinear.scalar.gradient.NonLinearConjugateGradientOptimizer;

/**
 * Approach 3 of Hoffmann et al. (2022): fit E, A, B, alpha, beta by minimising the Huber loss (delta 1e-3) of
 * ln L^(N, D) - ln L over the measured points, from every start of a grid of initialisations, keeping the
 * best. The paper uses L-BFGS; Commons Math has none, so each start runs its Polak-Ribiere non-linear
 * conjugate gradient with the analytic gradient (another quasi-Newton-free gradient method on the same
 * smooth objective), in the centred coordinates of {@link HuberObjective}.
 */
final class ParametricFit {
  /** The paper's grid: alpha, beta in {0, 0.5, .., 2}, e in {-1, -.5, .., 1}, a, b in {0, 5, .., 25}. */
  static final List<double[]> PAPER_GRID = paperGrid();

  private static final int MAX_EVALUATIONS = 20_000;

  /** The best local minimum found, and the few best distinct ones (for bootstrap restarts). */
  record Result(ParametricLaw law, double objective, List<double[]> bestStarts) {}

  private ParametricFit() {}

  /**
   * Fits from each start in {@code grid} (as (a, b, e, alpha, beta) in the paper's coordinates), then polishes
   * the {@code keep} best distinct minima to a tight tolerance and returns the lowest, with those minima as
   * restarts for the bootstrap. The grid runs stop at a looser tolerance: which basin a start falls into is
   * settled long before, and the polish finishes the few that matter (a fraction of the cost of polishing all).
   */
  static Result fit(double[] lnN, double[] lnD, double[] lnL, double delta, List<double[]> grid, int keep) {
    HuberObjective objective = new HuberObjective(lnN, lnD, lnL, delta);
    List<PointValuePair> minima = new ArrayList<>();
    for (double[] g : grid) {
      PointValuePair p = minimise(objective, objective.centre(g[0], g[1], g[2], g[3], g[4]), SCREEN);
      if (p != null) {
        minima.add(p);
      }
    }
    List<double[]> best = distinctBest(objective, minima, keep);
    return refit(lnN, lnD, lnL, delta, best, keep, POLISH);
  }

  /**
   * A bootstrap resample's fit, from the full fit's best minima ({@link Result#bestStarts()}) rather than the
   * whole grid, to the tight tolerance: a loose refit stops near its start and shrinks the interval.
   */
  static ParametricLaw bootstrap(double[] lnN, double[] lnD, double[] lnL, double delta, List<double[]> starts) {
    return refit(lnN, lnD, lnL, delta, starts, 1, POLISH).law();
  }

  /**
   * Fits from {@code starts} (the paper's coordinates) to {@code tolerance}; returns the best, with the
   * {@code keep} best distinct minima.
   */
  private static Result refit(double[] lnN, double[] lnD, double[] lnL, double delta, List<double[]> starts, int keep,
      Tolerance tolerance) {
    HuberObjective objective = new HuberObjective(lnN, lnD, lnL, delta);
    List<PointValuePair> minima = new ArrayList<>();
    for (double[] s : starts) {
      PointValuePair p = minimise(objective, objective.centre(s[0], s[1], s[2], s[3], s[4]), tolerance);
      if (p != null) {
        minima.add(p);
      }
    }
    List<double[]> best = distinctBest(objective, minima, keep);
    PointValuePair top = minima.get(0);
    return new Result(objective.law(top.getPoint()), top.getValue(), best);
  }

  /** The law's parameters as a start (a, b, e, alpha, beta) in the paper's coordinates. */
  static double[] start(ParametricLaw law) {
    return new double[] {Math.log(law.a()), Math.log(law.b()), Math.log(law.e()), law.alpha(), law.beta()};
  }

  /** The {@code keep} lowest distinct minima, in the paper's coordinates; sorts {@code minima}. */
  private static List<double[]> distinctBest(HuberObjective objective, List<PointValuePair> minima, int keep) {
    if (minima.isEmpty()) {
      throw new IllegalStateException("the Huber fit did not converge from any initialisation");
    }
    minima.sort(Comparator.comparingDouble(PointValuePair::getValue));
    List<double[]> kept = new ArrayList<>();
    for (PointValuePair p : minima) {
      if (kept.size() == keep) {
        break;
      }
      double[] s = start(objective.law(p.getPoint()));
      if (allFinite(s) && kept.stream().noneMatch(k -> close(k, s))) {
        kept.add(s);
      }
    }
    if (kept.isEmpty()) {
      throw new IllegalStateException("the Huber fit found no finite minimum");
    }
    return kept;
  }

  /**
   * When a run has converged: the largest gradient component is below {@code gradient}, or an iteration
   * changed the objective by less than {@code stall} of its value (no more progress to make in doubles). The
   * line search stops at {@code lineRelative} / {@code lineAbsolute}.
   */
  private record Tolerance(double gradient, double stall, double lineRelative, double lineAbsolute) {}

  /** Loose: enough to tell which basin a grid start falls into. */
  private static final Tolerance SCREEN = new Tolerance(1e-6, 1e-9, 1e-4, 1e-10);
  /** Tight: the fit reported, and every bootstrap refit (a loose refit would stop near its start and shrink the interval). */
  private static final Tolerance POLISH = new Tolerance(1e-13, 1e-15, 1e-10, 1e-16);

  private static PointValuePair minimise(HuberObjective objective, double[] x0, Tolerance tolerance) {
    // the best point evaluated, returned when Commons Math gives up (too many evaluations, a line search that
    // could not bracket) after progress
    PointValuePair[] best = {null};
    MultivariateFunction value = x -> {
      double v = objective.value(x);
      if (Double.isFinite(v) && (best[0] == null || v < best[0].getValue())) {
        best[0] = new PointValuePair(x.clone(), v);
      }
      return v;
    };
    ConvergenceChecker<PointValuePair> converged = (iteration, previous, current) -> {
      if (Math.abs(previous.getValue() - current.getValue()) <= tolerance.stall() * Math.abs(current.getValue())) {
        return true;
      }
      for (double g : objective.gradient(current.getPoint())) {
        if (Math.abs(g) > tolerance.gradient()) {
          return false;
        }
      }
      return true;
    };
    NonLinearConjugateGradientOptimizer optimizer = new NonLinearConjugateGradientOptimizer(
        NonLinearConjugateGradientOptimizer.Formula.POLAK_RIBIERE, converged, tolerance.lineRelative(),
        tolerance.lineAbsolute(), 1e-3);
    PointValuePair p;
    try {
      p = optimizer.optimize(new MaxEval(MAX_EVALUATIONS), new MaxIter(MAX_EVALUATIONS),
          new ObjectiveFunction(value), new ObjectiveFunctionGradient(objective::gradient),
          GoalType.MINIMIZE, new InitialGuess(x0));
    } catch (RuntimeException e) {
      if (!(e instanceof ExceptionContextProvider)) {
        throw e;
      }
      p = best[0];
    }
    if (p != null && best[0] != null && best[0].getValue() < p.getValue()) {
      p = best[0];
    }
    return p != null && Double.isFinite(p.getValue()) && allFinite(p.getPoint()) ? p : null;
  }

  private static boolean close(double[] x, double[] y) {
    for (int i = 0; i < x.length; i++) {
      if (Math.abs(x[i] - y[i]) > 1e-3 * Math.max(1, Math.abs(x[i]))) {
        return false;
      }
    }
    return true;
  }

  private static boolean allFinite(double[] x) {
    for (double v : x) {
      if (!Double.isFinite(v)) {
        return false;
      }
    }
    return true;
  }

  private static List<double[]> paperGrid() {
    List<double[]> grid = new ArrayList<>();
    for (int a = 0; a <= 25; a += 5) {
      for (int b = 0; b <= 25; b += 5) {
        for (int e = -2; e <= 2; e++) {
          for (int alpha = 0; alpha <= 4; alpha++) {
            for (int beta = 0; beta <= 4; beta++) {
              grid.add(new double[] {a, b, e / 2.0, alpha / 2.0, beta / 2.0});
            }
          }
        }
      }
    }
    return List.copyOf(grid);
  }
}
