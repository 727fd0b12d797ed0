package dev.kiln.activities.scaling;

/** A power law y = k C^exponent of the compute budget C, as approach 2 fits N_opt(C) and D_opt(C). */
public record PowerLaw(double k, double exponent) {
  public double at(double budget) {
    return k * Math.pow(budget, exponent);
  }
}
