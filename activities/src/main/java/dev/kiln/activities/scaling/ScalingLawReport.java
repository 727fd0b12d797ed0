package dev.kiln.activities.scaling;

import dev.kiln.workflows.ladder.LadderPoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The scaling laws fitted to a ladder's measured points (issue 19), for people (as {@link #text()} and the
 * PNGs of {@link ScalingLawPlots}) and for the scope stage ({@link #predict(double)}). Written as JSON.
 *
 * <p>Every {@link Estimate} holds the fit on all points and the 5 % and 95 % percentiles of the same value
 * over {@code resamples} bootstrap refits (points drawn with replacement, seeded by {@code seed}).
 *
 * @param points the measured points the fit used
 * @param resamples bootstrap resamples behind every interval
 * @param seed the bootstrap's seed
 * @param huberDelta the delta of the Huber loss of approach 3
 * @param isoFlop approach 2 (parabola per IsoFLOP profile, then power laws), or null when the ladder has no
 *     IsoFLOP profiles (every point with budget 0)
 * @param parametric approach 3 (the Huber fit of L(N, D) = E + A/N^alpha + B/D^beta)
 * @param allocations approach 3's compute-optimal allocation at each IsoFLOP budget, then at the user budget
 * @param userBudget the budget (FLOPs) the user asked about, or 0
 * @param warnings what a reader should know before trusting the numbers (vertices outside the sampled sizes,
 *     failed resamples, a non-positive exponent)
 */
public record ScalingLawReport(
    List<LadderPoint> points,
    int resamples,
    long seed,
    double huberDelta,
    IsoFlop isoFlop,
    Parametric parametric,
    List<Allocation> allocations,
    double userBudget,
    List<String> warnings) {

  /** A fitted value and its bootstrap interval (the 5 % and 95 % percentiles). */
  public record Estimate(double value, double low, double high) {
    public boolean contains(double x) {
      return low <= x && x <= high;
    }
  }

  /** Approach 2's vertex of one IsoFLOP profile. */
  public record ProfileOptimum(double budget, int sizes, Estimate parameters, Estimate tokens,
      Estimate tokensPerParameter, double loss, double smallestParameters, double largestParameters) {
    /** False when the parabola's minimum lies outside the sizes measured: the profile does not bracket it. */
    public boolean bracketed() {
      return smallestParameters <= parameters.value() && parameters.value() <= largestParameters;
    }
  }

  /**
   * Approach 2: N_opt = k C^a and D_opt = kTokens C^b through the profiles' vertices.
   *
   * @param bootstrapParameterLaws the N_opt power law of each bootstrap resample, for {@link #predict}
   */
  public record IsoFlop(List<ProfileOptimum> optima, Estimate k, Estimate a, Estimate kTokens, Estimate b,
      List<PowerLaw> bootstrapParameterLaws) {
    public PowerLaw parameterLaw() {
      return new PowerLaw(k.value(), a.value());
    }

    public PowerLaw tokenLaw() {
      return new PowerLaw(kTokens.value(), b.value());
    }
  }

  /**
   * Approach 3: the Huber fit, the compute-optimal exponents a = beta/(alpha+beta), b = alpha/(alpha+beta).
   *
   * @param objective the mean Huber loss at the fit
   * @param starts the initialisations the fit on all points ran from
   * @param bootstrapLaws the law of each bootstrap resample, for {@link #predict}
   */
  public record Parametric(ParametricLaw law, Estimate e, Estimate a, Estimate b, Estimate alpha, Estimate beta,
      Estimate parameterExponent, Estimate tokenExponent, double objective, int starts,
      List<ParametricLaw> bootstrapLaws) {}

  /**
   * The compute-optimal run at {@code budget} FLOPs (C = 6 N D) by approach 3, with approach 2's N_opt(C) from
   * its power law beside it (null without IsoFLOP profiles).
   */
  public record Allocation(double budget, Estimate parameters, Estimate tokens, Estimate tokensPerParameter,
      Estimate loss, Estimate isoFlopParameters) {}

  /**
   * The compute-optimal parameters, tokens, tokens per parameter and loss at {@code budgetFlops}, with their
   * bootstrap intervals: what the scope stage sizes a run with. Throws IllegalArgumentException for a budget
   * that is not a positive number, and IllegalStateException when approach 3's fit has a non-positive
   * parameter (then it defines no allocation; the report's warnings say so).
   */
  public Allocation predict(double budgetFlops) {
    if (!(budgetFlops > 0) || !Double.isFinite(budgetFlops)) {
      throw new IllegalArgumentException("the compute budget to predict at must be a positive number of FLOPs, not "
          + budgetFlops);
    }
    ParametricLaw law = parametric.law();
    if (!law.wellFormed()) {
      throw new IllegalStateException("the ladder's approach 3 fit " + law + " has a non-positive or non-finite"
          + " parameter, so it gives no compute-optimal allocation; measure more sizes and token counts");
    }
    List<ParametricLaw> laws = parametric.bootstrapLaws();
    Estimate isoFlopN = null;
    if (isoFlop != null) {
      isoFlopN = estimate(isoFlop.parameterLaw().at(budgetFlops), isoFlop.bootstrapParameterLaws(),
          p -> p.at(budgetFlops));
    }
    return new Allocation(budgetFlops,
        estimate(law.optimalParameters(budgetFlops), laws, l -> l.optimalParameters(budgetFlops)),
        estimate(law.optimalTokens(budgetFlops), laws, l -> l.optimalTokens(budgetFlops)),
        estimate(law.tokensPerParameter(budgetFlops), laws, l -> l.tokensPerParameter(budgetFlops)),
        estimate(law.optimalLoss(budgetFlops), laws, l -> l.optimalLoss(budgetFlops)),
        isoFlopN);
  }

  /** The fits as fixed-width tables, for people. */
  public String text() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "Scaling laws from %d ladder points (intervals: 5%%-95%% of %d bootstrap"
        + " resamples, seed %d)%n%n", points.size(), resamples, seed));
    b.append(String.format(Locale.ROOT, "%-10s %14s %14s %12s %12s%n", "rung", "parameters", "tokens", "budget",
        "loss"));
    for (LadderPoint p : points) {
      b.append(String.format(Locale.ROOT, "%-10s %,14d %,14d %12.3g %12.4f%n", p.rung(), p.parameters(), p.tokens(),
          p.budget(), p.loss()));
    }

    Parametric f = parametric;
    b.append(String.format(Locale.ROOT, "%nApproach 3: L(N, D) = E + A/N^alpha + B/D^beta, Huber (delta %.0e) fit"
        + " of log loss from %d initialisations, mean Huber loss %.3g%n", huberDelta, f.starts(), f.objective()));
    b.append(String.format(Locale.ROOT, "%-28s %12s %12s %12s%n", "", "fit", "5%", "95%"));
    row(b, "E", f.e());
    row(b, "A", f.a());
    row(b, "B", f.b());
    row(b, "alpha", f.alpha());
    row(b, "beta", f.beta());
    row(b, "a = beta/(alpha+beta)", f.parameterExponent());
    row(b, "b = alpha/(alpha+beta)", f.tokenExponent());

    if (isoFlop != null) {
      b.append(String.format(Locale.ROOT, "%nApproach 2: per IsoFLOP profile, the vertex of a parabola of loss in"
          + " log N; then N_opt = k C^a, D_opt = k_D C^b%n"));
      b.append(String.format(Locale.ROOT, "%12s %5s %26s %26s %24s %9s%n", "budget C", "sizes",
          "N_opt [5%, 95%]", "D_opt [5%, 95%]", "D/N [5%, 95%]", "loss"));
      for (ProfileOptimum o : isoFlop.optima()) {
        b.append(String.format(Locale.ROOT, "%12.3g %5d %26s %26s %24s %9.4f%s%n", o.budget(), o.sizes(),
            interval(o.parameters()), interval(o.tokens()), interval(o.tokensPerParameter()), o.loss(),
            o.bracketed() ? "" : "  (outside the sizes measured)"));
      }
      row(b, "a (N_opt exponent)", isoFlop.a());
      row(b, "b (D_opt exponent)", isoFlop.b());
      row(b, "k (N_opt = k C^a)", isoFlop.k());
    } else {
      boolean profiles = points.stream().anyMatch(p -> p.budget() > 0);
      b.append(String.format(Locale.ROOT, "%nApproach 2: not fitted (%s)%n",
          profiles ? "its IsoFLOP profiles give no minimum: see the warnings" : "the ladder has no IsoFLOP profiles"));
    }

    b.append(String.format(Locale.ROOT, "%nCompute-optimal allocation by approach 3 (C = 6 N D)%n"));
    b.append(String.format(Locale.ROOT, "%12s %26s %26s %24s %24s %26s%n", "budget C", "N* [5%, 95%]",
        "D* [5%, 95%]", "D*/N* [5%, 95%]", "loss [5%, 95%]", "approach 2 N_opt"));
    for (Allocation a : allocations) {
      b.append(String.format(Locale.ROOT, "%12.3g %26s %26s %24s %24s %26s%s%n", a.budget(), interval(a.parameters()),
          interval(a.tokens()), interval(a.tokensPerParameter()), interval(a.loss()),
          a.isoFlopParameters() == null ? "-" : interval(a.isoFlopParameters()),
          a.budget() == userBudget ? "  (user budget)" : ""));
    }
    if (!warnings.isEmpty()) {
      b.append(String.format(Locale.ROOT, "%nWarnings%n"));
      for (String w : warnings) {
        b.append("- ").append(w).append(System.lineSeparator());
      }
    }
    return b.toString();
  }

  static <T> Estimate estimate(double value, List<T> samples, ToDoubleFunction<T> f) {
    List<Double> values = new ArrayList<>(samples.size());
    for (T s : samples) {
      double v = f.applyAsDouble(s);
      if (Double.isFinite(v)) {
        values.add(v);
      }
    }
    if (values.isEmpty()) {
      return new Estimate(value, value, value);
    }
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return new Estimate(value, percentile(sorted, 0.05), percentile(sorted, 0.95));
  }

  /** The q-quantile of sorted values, interpolating linearly between order statistics (numpy's default). */
  static double percentile(double[] sorted, double q) {
    double h = (sorted.length - 1) * q;
    int lo = (int) Math.floor(h);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }

  private static void row(StringBuilder b, String name, Estimate e) {
    b.append(String.format(Locale.ROOT, "%-28s %12.5g %12.5g %12.5g%n", name, e.value(), e.low(), e.high()));
  }

  private static String interval(Estimate e) {
    return String.format(Locale.ROOT, "%.3g [%.3g, %.3g]", e.value(), e.low(), e.high());
  }
}
