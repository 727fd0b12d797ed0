package dev.kiln.activities.scaling;

/**
 * The objective of the paper's Approach 3: the mean over points of Huber_delta(LSE(a - alpha ln N, b - beta
 * ln D, e) - ln L), where A = exp(a), B = exp(b), E = exp(e), so LSE(...) = ln(E + A N^-alpha + B D^-beta).
 *
 * <p>The optimizer sees the parameters in centred coordinates x = (a - alpha mN, b - beta mD, e, alpha,
 * beta), with mN and mD the mean ln N and ln D: a - alpha ln N = x0 - alpha (ln N - mN). This is an exact
 * linear change of variables (the minimiser is the same), but it removes the strong coupling between a and
 * alpha (and b and beta) that ln N ~ 20 creates, so a gradient method converges in far fewer steps.
 */
final class HuberObjective {
  final double delta;
  final double meanLnN;
  final double meanLnD;
  private final double[] cn; // ln N - mean ln N
  private final double[] cd; // ln D - mean ln D
  private final double[] lnL;

  HuberObjective(double[] lnN, double[] lnD, double[] lnL, double delta) {
    this.delta = delta;
    this.meanLnN = mean(lnN);
    this.meanLnD = mean(lnD);
    this.cn = new double[lnN.length];
    this.cd = new double[lnD.length];
    for (int i = 0; i < lnN.length; i++) {
      cn[i] = lnN[i] - meanLnN;
      cd[i] = lnD[i] - meanLnD;
    }
    this.lnL = lnL.clone();
  }

  /** Centred coordinates of the paper's (a, b, e, alpha, beta). */
  double[] centre(double a, double b, double e, double alpha, double beta) {
    return new double[] {a - alpha * meanLnN, b - beta * meanLnD, e, alpha, beta};
  }

  /** The law that the centred coordinates {@code x} stand for. */
  ParametricLaw law(double[] x) {
    double a = x[0] + x[3] * meanLnN;
    double b = x[1] + x[4] * meanLnD;
    return new ParametricLaw(Math.exp(x[2]), Math.exp(a), Math.exp(b), x[3], x[4]);
  }

  double value(double[] x) {
    double sum = 0;
    for (int i = 0; i < lnL.length; i++) {
      double u = x[0] - x[3] * cn[i];
      double v = x[1] - x[4] * cd[i];
      double m = Math.max(u, Math.max(v, x[2]));
      double lse = m + Math.log(Math.exp(u - m) + Math.exp(v - m) + Math.exp(x[2] - m));
      sum += huber(lse - lnL[i]);
    }
    return sum / lnL.length;
  }

  double[] gradient(double[] x) {
    double[] g = new double[5];
    for (int i = 0; i < lnL.length; i++) {
      double u = x[0] - x[3] * cn[i];
      double v = x[1] - x[4] * cd[i];
      double m = Math.max(u, Math.max(v, x[2]));
      double pu = Math.exp(u - m);
      double pv = Math.exp(v - m);
      double pe = Math.exp(x[2] - m);
      double z = pu + pv + pe;
      double r = m + Math.log(z) - lnL[i];
      double dr = Math.abs(r) <= delta ? r : Math.copySign(delta, r);
      double wu = dr * pu / z;
      double wv = dr * pv / z;
      g[0] += wu;
      g[1] += wv;
      g[2] += dr * pe / z;
      g[3] -= wu * cn[i];
      g[4] -= wv * cd[i];
    }
    for (int k = 0; k < 5; k++) {
      g[k] /= lnL.length;
    }
    return g;
  }

  private double huber(double r) {
    double abs = Math.abs(r);
    return abs <= delta ? 0.5 * r * r : delta * (abs - 0.5 * delta);
  }

  private static double mean(double[] values) {
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    return sum / values.length;
  }
}
