package dev.kiln.activities.scaling;

import dev.kiln.activities.scaling.ScalingLawReport.Allocation;
import dev.kiln.activities.scaling.ScalingLawReport.Estimate;
import dev.kiln.activities.scaling.ScalingLawReport.IsoFlop;
import dev.kiln.activities.scaling.ScalingLawReport.Parametric;
import dev.kiln.activities.scaling.ScalingLawReport.ProfileOptimum;
import dev.kiln.workflows.ladder.LadderPoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.TreeMap;

/**
 * Fits a ladder's measured points by approaches 2 and 3 of Hoffmann et al. (2022) with bootstrap intervals,
 * into a {@link ScalingLawReport}. Bad input (too few points, non-positive or non-finite values) throws
 * IllegalArgumentException with a message for the user; the caller turns it into a non-retryable failure.
 */
public final class ScalingLawFitter {
  /** Approach 3 fits 5 parameters. */
  public static final int PARAMETRIC_MIN_POINTS = 5;
  /** Approach 2 fits a parabola (3 coefficients) per profile... */
  public static final int ISOFLOP_MIN_SIZES = 3;
  /** ...and a line through the vertices in log-log. */
  public static final int ISOFLOP_MIN_BUDGETS = 2;
  /** The Huber delta of the paper. */
  public static final double HUBER_DELTA = 1e-3;

  /** Bootstrap refits of approach 3 start from this many of the best distinct minima of the full fit. */
  private static final int BOOTSTRAP_STARTS = 4;
  /** A resample is redrawn when it cannot be fitted (too few distinct sizes); at most this many draws each. */
  private static final int MAX_DRAWS_PER_RESAMPLE = 20;

  /**
   * @param resamples bootstrap resamples (at least 20; 200 by default)
   * @param seed the bootstrap's seed
   * @param userBudget a budget (FLOPs) to report the allocation at besides the IsoFLOP budgets, or 0
   */
  public record Options(int resamples, long seed, double userBudget) {
    public static Options defaults() {
      return new Options(200, 19, 0);
    }

    public Options withUserBudget(double flops) {
      return new Options(resamples, seed, flops);
    }
  }

  private ScalingLawFitter() {}

  public static ScalingLawReport fit(List<LadderPoint> points) {
    return fit(points, Options.defaults());
  }

  public static ScalingLawReport fit(List<LadderPoint> points, Options options) {
    return fit(points, options, ParametricFit.PAPER_GRID);
  }

  /** As {@link #fit(List, Options)} from another grid of (ln A, ln B, ln E, alpha, beta) initialisations. */
  static ScalingLawReport fit(List<LadderPoint> points, Options options, List<double[]> grid) {
    check(points, options);
    List<String> warnings = new ArrayList<>();
    Random random = new Random(options.seed());

    TreeMap<Double, List<LadderPoint>> profiles = new TreeMap<>();
    for (LadderPoint p : points) {
      if (p.budget() > 0) {
        profiles.computeIfAbsent(p.budget(), b -> new ArrayList<>()).add(p);
      }
    }
    IsoFlop isoFlop = null;
    if (!profiles.isEmpty()) {
      try {
        isoFlop = isoFlop(profiles, options.resamples(), random, warnings);
      } catch (IllegalArgumentException noMinimum) {
        // measured ladders are noisy: a profile without a minimum costs approach 2, not the whole fit
        warnings.add("approach 2 left out: " + noMinimum.getMessage());
      }
    }
    Parametric parametric = parametric(points, options.resamples(), random, grid, warnings);

    ScalingLawReport draft = new ScalingLawReport(List.copyOf(points), options.resamples(), options.seed(),
        HUBER_DELTA, isoFlop, parametric, List.of(), options.userBudget(), warnings);
    List<Allocation> allocations = new ArrayList<>();
    if (parametric.law().wellFormed()) {
      for (double budget : profiles.keySet()) {
        allocations.add(draft.predict(budget));
      }
      if (options.userBudget() > 0) {
        allocations.add(draft.predict(options.userBudget()));
      }
    }
    return new ScalingLawReport(List.copyOf(points), options.resamples(), options.seed(), HUBER_DELTA, isoFlop,
        parametric, List.copyOf(allocations), options.userBudget(), List.copyOf(warnings));
  }

  static void check(List<LadderPoint> points, Options options) {
    if (options.resamples() < 20) {
      throw new IllegalArgumentException("the bootstrap needs at least 20 resamples for 5%/95% intervals, not "
          + options.resamples());
    }
    if (options.userBudget() < 0 || !Double.isFinite(options.userBudget())) {
      throw new IllegalArgumentException("the user budget must be a finite number of FLOPs >= 0 (0 for none), not "
          + options.userBudget());
    }
    if (points == null || points.size() < PARAMETRIC_MIN_POINTS) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "a scaling-law fit needs at least %d measured points (approach 3 fits E, A, B, alpha, beta), got %d",
          PARAMETRIC_MIN_POINTS, points == null ? 0 : points.size()));
    }
    for (LadderPoint p : points) {
      String rung = p.rung() == null ? "?" : p.rung();
      if (p.parameters() <= 0) {
        throw new IllegalArgumentException("rung " + rung + ": parameters must be positive, got " + p.parameters());
      }
      if (p.tokens() <= 0) {
        throw new IllegalArgumentException("rung " + rung + ": tokens must be positive, got " + p.tokens());
      }
      if (Double.isNaN(p.loss()) || Double.isInfinite(p.loss())) {
        throw new IllegalArgumentException("rung " + rung + ": loss is " + p.loss()
            + " (a diverged or unfinished run?); remove the point or measure it again");
      }
      if (p.loss() <= 0) {
        throw new IllegalArgumentException("rung " + rung + ": loss must be positive (nats per token), got "
            + p.loss());
      }
      if (Double.isNaN(p.budget()) || Double.isInfinite(p.budget()) || p.budget() < 0) {
        throw new IllegalArgumentException("rung " + rung + ": budget must be a finite number of FLOPs >= 0"
            + " (0 outside IsoFLOP profiles), got " + p.budget());
      }
      if (Double.isNaN(p.flops()) || Double.isInfinite(p.flops()) || p.flops() < 0) {
        throw new IllegalArgumentException("rung " + rung + ": flops must be a finite number >= 0, got " + p.flops());
      }
    }
    long sizes = points.stream().mapToLong(LadderPoint::parameters).distinct().count();
    long tokens = points.stream().mapToLong(LadderPoint::tokens).distinct().count();
    if (sizes < 2 || tokens < 2) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "approach 3 needs at least 2 distinct model sizes and 2 distinct token counts to separate the N and D"
              + " terms, got %d and %d", sizes, tokens));
    }
    TreeMap<Double, List<LadderPoint>> profiles = new TreeMap<>();
    points.stream().filter(p -> p.budget() > 0)
        .forEach(p -> profiles.computeIfAbsent(p.budget(), b -> new ArrayList<>()).add(p));
    if (!profiles.isEmpty() && profiles.size() < ISOFLOP_MIN_BUDGETS) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "approach 2 needs IsoFLOP profiles at at least %d budgets to fit N_opt = k C^a, got 1 (%.3g FLOPs)",
          ISOFLOP_MIN_BUDGETS, profiles.firstKey()));
    }
    for (var profile : profiles.entrySet()) {
      long n = profile.getValue().stream().mapToLong(LadderPoint::parameters).distinct().count();
      if (n < ISOFLOP_MIN_SIZES) {
        throw new IllegalArgumentException(String.format(Locale.ROOT,
            "approach 2 needs at least %d model sizes per IsoFLOP profile, the profile at %.3g FLOPs has %d",
            ISOFLOP_MIN_SIZES, profile.getKey(), n));
      }
    }
  }

  private static IsoFlop isoFlop(TreeMap<Double, List<LadderPoint>> profiles, int resamples, Random random,
      List<String> warnings) {
    double[] budgets = profiles.keySet().stream().mapToDouble(Double::doubleValue).toArray();
    List<double[][]> data = new ArrayList<>();
    for (List<LadderPoint> profile : profiles.values()) {
      data.add(new double[][] {
          profile.stream().mapToDouble(LadderPoint::parameters).toArray(),
          profile.stream().mapToDouble(LadderPoint::loss).toArray()});
    }
    IsoFlopFit.Result full = IsoFlopFit.fit(data, budgets);

    // Resample within each profile, so every resample keeps every budget.
    List<IsoFlopFit.Result> boot = new ArrayList<>();
    int draws = 0;
    while (boot.size() < resamples && draws < resamples * MAX_DRAWS_PER_RESAMPLE) {
      draws++;
      List<double[][]> resampled = new ArrayList<>();
      for (double[][] profile : data) {
        int n = profile[0].length;
        double[][] r = new double[2][n];
        for (int i = 0; i < n; i++) {
          int j = random.nextInt(n);
          r[0][i] = profile[0][j];
          r[1][i] = profile[1][j];
        }
        resampled.add(r);
      }
      try {
        boot.add(IsoFlopFit.fit(resampled, budgets));
      } catch (IllegalArgumentException e) {
        // fewer than 3 distinct sizes, or no minimum, in this resample: draw another
      }
    }
    if (draws > boot.size()) {
      warnings.add(String.format(Locale.ROOT, "approach 2: %d of %d bootstrap draws could not be fitted (a profile"
          + " drew fewer than 3 distinct sizes or a concave parabola) and were drawn again", draws - boot.size(),
          draws));
    }
    if (boot.size() < resamples) {
      warnings.add(String.format(Locale.ROOT, "approach 2: only %d of %d bootstrap resamples could be fitted",
          boot.size(), resamples));
    }

    List<ProfileOptimum> optima = new ArrayList<>();
    for (int i = 0; i < budgets.length; i++) {
      IsoFlopFit.Vertex v = full.vertices().get(i);
      int k = i;
      Estimate n = ScalingLawReport.estimate(v.parameters(), boot, r -> r.vertices().get(k).parameters());
      Estimate d = ScalingLawReport.estimate(v.tokens(), boot, r -> r.vertices().get(k).tokens());
      Estimate ratio = ScalingLawReport.estimate(v.tokens() / v.parameters(), boot,
          r -> r.vertices().get(k).tokens() / r.vertices().get(k).parameters());
      ProfileOptimum o = new ProfileOptimum(v.budget(), v.sizes(), n, d, ratio, v.loss(), v.minN(), v.maxN());
      if (!o.bracketed()) {
        warnings.add(String.format(Locale.ROOT, "approach 2: the minimum of the profile at %.3g FLOPs (N = %.3g)"
            + " lies outside the sizes measured (%.3g to %.3g): extrapolated; add sizes on that side", v.budget(),
            v.parameters(), v.minN(), v.maxN()));
      }
      optima.add(o);
    }
    List<PowerLaw> bootLaws = boot.stream().map(IsoFlopFit.Result::parameters).toList();
    return new IsoFlop(optima,
        ScalingLawReport.estimate(full.parameters().k(), boot, r -> r.parameters().k()),
        ScalingLawReport.estimate(full.parameters().exponent(), boot, r -> r.parameters().exponent()),
        ScalingLawReport.estimate(full.tokens().k(), boot, r -> r.tokens().k()),
        ScalingLawReport.estimate(full.tokens().exponent(), boot, r -> r.tokens().exponent()),
        bootLaws);
  }

  private static Parametric parametric(List<LadderPoint> points, int resamples, Random random,
      List<double[]> grid, List<String> warnings) {
    int n = points.size();
    double[] lnN = new double[n];
    double[] lnD = new double[n];
    double[] lnL = new double[n];
    for (int i = 0; i < n; i++) {
      lnN[i] = Math.log(points.get(i).parameters());
      lnD[i] = Math.log(points.get(i).tokens());
      lnL[i] = Math.log(points.get(i).loss());
    }
    ParametricFit.Result full = ParametricFit.fit(lnN, lnD, lnL, HUBER_DELTA, grid, BOOTSTRAP_STARTS);
    ParametricLaw law = full.law();
    if (!law.wellFormed()) {
      warnings.add("approach 3: the fit " + law + " has a non-positive or non-finite parameter, so it gives no"
          + " compute-optimal allocation; the points may not span enough sizes and token counts");
    }

    List<ParametricLaw> boot = new ArrayList<>();
    int draws = 0;
    int failed = 0;
    while (boot.size() < resamples && draws < resamples * MAX_DRAWS_PER_RESAMPLE) {
      draws++;
      double[] bn = new double[n];
      double[] bd = new double[n];
      double[] bl = new double[n];
      for (int i = 0; i < n; i++) {
        int j = random.nextInt(n);
        bn[i] = lnN[j];
        bd[i] = lnD[j];
        bl[i] = lnL[j];
      }
      if (IsoFlopFit.distinct(bn) < 2 || IsoFlopFit.distinct(bd) < 2) {
        continue;
      }
      try {
        boot.add(ParametricFit.bootstrap(bn, bd, bl, HUBER_DELTA, full.bestStarts()));
      } catch (IllegalStateException e) {
        failed++;
      }
    }
    if (failed > 0 || boot.size() < resamples) {
      warnings.add(String.format(Locale.ROOT, "approach 3: %d of %d bootstrap resamples fitted (%d draws, %d did"
          + " not converge)", boot.size(), resamples, draws, failed));
    }
    return new Parametric(law,
        ScalingLawReport.estimate(law.e(), boot, ParametricLaw::e),
        ScalingLawReport.estimate(law.a(), boot, ParametricLaw::a),
        ScalingLawReport.estimate(law.b(), boot, ParametricLaw::b),
        ScalingLawReport.estimate(law.alpha(), boot, ParametricLaw::alpha),
        ScalingLawReport.estimate(law.beta(), boot, ParametricLaw::beta),
        ScalingLawReport.estimate(law.parameterExponent(), boot, ParametricLaw::parameterExponent),
        ScalingLawReport.estimate(law.tokenExponent(), boot, ParametricLaw::tokenExponent),
        full.objective(), grid.size(), List.copyOf(boot));
  }
}
