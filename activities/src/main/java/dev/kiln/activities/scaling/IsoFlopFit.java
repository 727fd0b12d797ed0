package dev.kiln.activities.scaling;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.commons.math3.stat.regression.OLSMultipleLinearRegression;
import org.apache.commons.math3.stat.regression.SimpleRegression;

/**
 * Approach 2 of Hoffmann et al. (2022): for each IsoFLOP profile (models of several sizes trained on one
 * compute budget C), fit a parabola of the loss against ln N and take its vertex as N_opt(C); then fit the
 * power laws N_opt = k C^a and D_opt = C / (6 N_opt) = k_D C^b by least squares in log-log.
 */
final class IsoFlopFit {
  /** One profile's vertex: the loss-minimising size at {@code budget} and the parabola's loss there. */
  record Vertex(double budget, double parameters, double tokens, double loss, int sizes, double minN, double maxN) {}

  record Result(List<Vertex> vertices, PowerLaw parameters, PowerLaw tokens) {}

  private IsoFlopFit() {}

  /**
   * The vertex of one profile. Throws IllegalArgumentException when the profile has fewer than 3 distinct
   * sizes or its loss is not convex in ln N (then it has no minimum: the sizes do not bracket the optimum).
   */
  static Vertex vertex(double budget, double[] parameters, double[] loss) {
    int sizes = distinct(parameters);
    if (sizes < 3) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "the IsoFLOP profile at %.3g FLOPs has %d distinct model sizes; approach 2 fits a parabola and needs at"
              + " least 3", budget, sizes));
    }
    double mean = 0;
    double minN = Double.POSITIVE_INFINITY;
    double maxN = 0;
    for (double n : parameters) {
      mean += Math.log(n) / parameters.length;
      minN = Math.min(minN, n);
      maxN = Math.max(maxN, n);
    }
    double[][] x = new double[parameters.length][2];
    for (int i = 0; i < parameters.length; i++) {
      double c = Math.log(parameters[i]) - mean;
      x[i][0] = c;
      x[i][1] = c * c;
    }
    OLSMultipleLinearRegression ols = new OLSMultipleLinearRegression(0);
    ols.newSampleData(loss, x);
    double[] beta = ols.estimateRegressionParameters();
    if (!(beta[2] > 0)) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "the IsoFLOP profile at %.3g FLOPs is not convex in log N (quadratic coefficient %.3g), so it has no"
              + " minimum: add sizes on both sides of the best one", budget, beta[2]));
    }
    double vertex = -beta[1] / (2 * beta[2]);
    double n = Math.exp(mean + vertex);
    double l = beta[0] + beta[1] * vertex + beta[2] * vertex * vertex;
    return new Vertex(budget, n, budget / (6 * n), l, sizes, minN, maxN);
  }

  /** Power laws through the vertices (at least two budgets). */
  static Result fit(List<Vertex> vertices) {
    SimpleRegression n = new SimpleRegression();
    SimpleRegression d = new SimpleRegression();
    for (Vertex v : vertices) {
      n.addData(Math.log(v.budget()), Math.log(v.parameters()));
      d.addData(Math.log(v.budget()), Math.log(v.tokens()));
    }
    return new Result(List.copyOf(vertices), new PowerLaw(Math.exp(n.getIntercept()), n.getSlope()),
        new PowerLaw(Math.exp(d.getIntercept()), d.getSlope()));
  }

  /** Vertices of each profile, then the power laws; {@code profiles} holds, per budget, N and loss. */
  static Result fit(List<double[][]> profiles, double[] budgets) {
    List<Vertex> vertices = new ArrayList<>();
    for (int i = 0; i < budgets.length; i++) {
      vertices.add(vertex(budgets[i], profiles.get(i)[0], profiles.get(i)[1]));
    }
    return fit(vertices);
  }

  static int distinct(double[] values) {
    return (int) java.util.Arrays.stream(values).distinct().count();
  }
}
