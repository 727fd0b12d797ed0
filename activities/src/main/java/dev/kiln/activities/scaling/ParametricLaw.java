package dev.kiln.activities.scaling;

/**
 * The parametric loss of Hoffmann et al. (2022), L(N, D) = E + A / N^alpha + B / D^beta, with N the
 * (non-embedding) parameters and D the training tokens, and what it says about spending a compute budget
 * C = 6 N D.
 *
 * <p>Minimising L under C = 6 N D gives, in closed form, N*(C) = G (C/6)^a and D*(C) = G^-1 (C/6)^b with
 * G = (alpha A / (beta B))^(1/(alpha+beta)), a = beta/(alpha+beta) and b = alpha/(alpha+beta).
 *
 * @param e the irreducible loss E (nats per token)
 * @param a the coefficient A of the parameter term
 * @param b the coefficient B of the data term
 * @param alpha the exponent of N
 * @param beta the exponent of D
 */
public record ParametricLaw(double e, double a, double b, double alpha, double beta) {

  /** The law of the paper's Approach 3 fit (its equation 10): E 1.69, A 406.4, B 410.7, alpha 0.34, beta 0.28. */
  public static final ParametricLaw CHINCHILLA = new ParametricLaw(1.69, 406.4, 410.7, 0.34, 0.28);

  /** The predicted loss of {@code parameters} trained on {@code tokens}. */
  public double loss(double parameters, double tokens) {
    return e + a / Math.pow(parameters, alpha) + b / Math.pow(tokens, beta);
  }

  /** a = beta / (alpha + beta): N* grows as C^a. */
  public double parameterExponent() {
    return beta / (alpha + beta);
  }

  /** b = alpha / (alpha + beta): D* grows as C^b. */
  public double tokenExponent() {
    return alpha / (alpha + beta);
  }

  /** G = (alpha A / (beta B))^(1/(alpha+beta)). */
  public double allocationScale() {
    return Math.pow(alpha * a / (beta * b), 1 / (alpha + beta));
  }

  /** N*(C) = G (C/6)^a, the parameters minimising the loss at a budget of {@code flops} = 6 N D. */
  public double optimalParameters(double flops) {
    return allocationScale() * Math.pow(flops / 6, parameterExponent());
  }

  /** D*(C) = G^-1 (C/6)^b, the tokens minimising the loss at a budget of {@code flops} = 6 N D. */
  public double optimalTokens(double flops) {
    return Math.pow(flops / 6, tokenExponent()) / allocationScale();
  }

  /** D*(C) / N*(C) = G^-2 (C/6)^(b - a), the compute-optimal tokens per parameter at {@code flops}. */
  public double tokensPerParameter(double flops) {
    return optimalTokens(flops) / optimalParameters(flops);
  }

  /** The loss of the compute-optimal allocation at {@code flops}. */
  public double optimalLoss(double flops) {
    return loss(optimalParameters(flops), optimalTokens(flops));
  }

  /** True when every value is finite and A, B, E, alpha, beta are positive: the allocation is then defined. */
  public boolean wellFormed() {
    return Double.isFinite(e) && Double.isFinite(a) && Double.isFinite(b) && Double.isFinite(alpha)
        && Double.isFinite(beta) && e > 0 && a > 0 && b > 0 && alpha > 0 && beta > 0;
  }
}
