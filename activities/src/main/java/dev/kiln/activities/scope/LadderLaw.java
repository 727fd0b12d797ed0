package dev.kiln.activities.scope;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.scaling.ParametricLaw;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.workflows.ladder.LadderSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A finished ladder's fitted parametric law (Chinchilla approach 3), L(N, D) = E + A / N^alpha + B / D^beta with N the
 * non-embedding parameters and D the tokens, as {@code ladders/<id>/report.json} holds it: {@code fit.parametric}
 * ({@code E}, {@code A}, {@code alpha}, {@code B}, {@code beta}) and, for the interval, {@code fit.bootstrap} (a list
 * of such objects, one per bootstrap resample). Under C = 6 N D its compute-optimal allocation is closed-form
 * (Hoffmann et al. 2022, eq. 4): N_opt = G (C/6)^a, D_opt = (C/6)^b / G with G = (alpha A / (beta B))^(1/(alpha+beta)),
 * a = beta / (alpha+beta), b = alpha / (alpha+beta).
 */
public record LadderLaw(String ladderId, Params law, List<Params> bootstrap) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One law's parameters. */
  public record Params(double e, double a, double alpha, double b, double beta) {
    /** The same law as the fitter's, whose maths this uses. */
    ParametricLaw law() {
      return new ParametricLaw(e, a, b, alpha, beta);
    }

    public double loss(double parameters, double tokens) {
      return law().loss(parameters, tokens);
    }

    /** The compute-optimal (N, D) for {@code flops}. */
    public double[] optimal(double flops) {
      ParametricLaw law = law();
      return new double[] {law.optimalParameters(flops), law.optimalTokens(flops)};
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "L(N, D) = %.4g + %.4g/N^%.3f + %.4g/D^%.3f", e, a, alpha, b, beta);
    }
  }

  /**
   * The law of a finished ladder.
   *
   * @throws IllegalArgumentException (with the fix) when the ladder has no report, or its report no fitted law
   */
  public static LadderLaw load(ObjectStore store, String ladderId) {
    String key = LadderSpec.reportKey(ladderId);
    if (!store.exists(key)) {
      throw new IllegalArgumentException("budget.ladder: no ladder " + ladderId + " has finished in bucket "
          + store.bucket() + " (" + key + " does not exist). Fix: name a finished ladder (kiln ladder status "
          + ladderId + "), wait for it to finish, or remove budget.ladder to size by tokensPerParameter");
    }
    JsonNode fit;
    try {
      fit = JSON.readTree(store.get(key)).path("fit");
    } catch (IOException e) {
      throw new IllegalArgumentException("budget.ladder: " + key + " is not JSON (" + e.getMessage() + "). Fix: run the"
          + " ladder's report again, or remove budget.ladder", e);
    }
    JsonNode parametric = fit.path("parametric");
    if (!parametric.isObject()) {
      throw new IllegalArgumentException("budget.ladder: ladder " + ladderId + "'s report (" + key + ") has no fitted"
          + " parametric law (fit.parametric). Fix: name a ladder whose report has a fit, or remove budget.ladder");
    }
    List<Params> bootstrap = new ArrayList<>();
    for (JsonNode sample : fit.path("bootstrap")) {
      bootstrap.add(params(sample, key));
    }
    return new LadderLaw(ladderId, params(parametric, key), bootstrap);
  }

  private static Params params(JsonNode node, String key) {
    double[] v = new double[5];
    String[] names = {"E", "A", "alpha", "B", "beta"};
    for (int i = 0; i < names.length; i++) {
      JsonNode n = node.get(names[i]);
      if (n == null || !n.isNumber() || !Double.isFinite(n.asDouble())) {
        throw new IllegalArgumentException("budget.ladder: " + key + " has no finite fit." + names[i] + ". Fix: fit the"
            + " ladder again, or remove budget.ladder");
      }
      v[i] = n.asDouble();
    }
    if (v[1] <= 0 || v[2] <= 0 || v[3] <= 0 || v[4] <= 0) {
      throw new IllegalArgumentException("budget.ladder: " + key + "'s law " + new Params(v[0], v[1], v[2], v[3], v[4])
          + " has a non-positive coefficient or exponent, so it has no compute-optimal size. Fix: add rungs to the"
          + " ladder, or remove budget.ladder");
    }
    return new Params(v[0], v[1], v[2], v[3], v[4]);
  }

  /** The 95 % bootstrap interval of the loss at (N, D), or NaNs without a bootstrap. */
  public double[] interval(double parameters, double tokens) {
    if (bootstrap.isEmpty()) {
      return new double[] {Double.NaN, Double.NaN};
    }
    double[] losses = bootstrap.stream().mapToDouble(p -> p.loss(parameters, tokens)).sorted().toArray();
    return new double[] {quantile(losses, 0.025), quantile(losses, 0.975)};
  }

  static double quantile(double[] sorted, double q) {
    double at = q * (sorted.length - 1);
    int lo = (int) Math.floor(at);
    int hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]);
  }

  @Override
  public String toString() {
    return law + (bootstrap.isEmpty() ? "" : " (" + bootstrap.size() + " bootstrap fits)");
  }
}
