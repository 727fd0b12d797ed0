package dev.kiln.activities.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.univariate.BrentOptimizer;
import org.apache.commons.math3.optim.univariate.SearchInterval;
import org.apache.commons.math3.optim.univariate.UnivariateObjectiveFunction;
import org.junit.jupiter.api.Test;

class ParametricLawTest {
  private static final ParametricLaw TINY = new ParametricLaw(1.5, 40, 60, 0.3, 0.3);

  @Test
  void closedFormAllocationIsTheMinimumAlongTheIsoFlopLine() {
    for (ParametricLaw law : new ParametricLaw[] {ParametricLaw.CHINCHILLA, TINY, new ParametricLaw(2, 10, 900, 0.5, 0.2)}) {
      for (double c : new double[] {1e10, 1e15, 1e18, 1e21, 5.76e23}) {
        double n = law.optimalParameters(c);
        double d = law.optimalTokens(c);
        assertEquals(c, 6 * n * d, 1e-12 * c, "C = 6 N* D*");
        // the loss along C = 6 N D, minimised numerically over ln N
        double lnN = new BrentOptimizer(1e-12, 1e-14).optimize(new MaxEval(1000), GoalType.MINIMIZE,
            new UnivariateObjectiveFunction(x -> law.loss(Math.exp(x), c / (6 * Math.exp(x)))),
            new SearchInterval(Math.log(n) - 10, Math.log(n) + 10)).getPoint();
        assertEquals(Math.log(n), lnN, 1e-5, law + " at " + c);
        assertEquals(d / n, law.tokensPerParameter(c), 1e-12 * d / n);
        assertEquals(law.loss(n, d), law.optimalLoss(c), 0);
      }
    }
  }

  @Test
  void exponentsSayHowTheAllocationGrowsWithCompute() {
    ParametricLaw law = ParametricLaw.CHINCHILLA;
    assertEquals(0.28 / 0.62, law.parameterExponent(), 1e-15);
    assertEquals(0.34 / 0.62, law.tokenExponent(), 1e-15);
    double c = 1e20;
    assertEquals(law.parameterExponent(), Math.log10(law.optimalParameters(10 * c) / law.optimalParameters(c)), 1e-12);
    assertEquals(law.tokenExponent(), Math.log10(law.optimalTokens(10 * c) / law.optimalTokens(c)), 1e-12);
    // alpha > beta: data should grow faster than parameters, so tokens per parameter rise with compute
    assertTrue(law.tokensPerParameter(1e24) > law.tokensPerParameter(1e20));
    assertEquals(1.69 + 406.4 / Math.pow(1e9, 0.34) + 410.7 / Math.pow(2e10, 0.28), law.loss(1e9, 2e10), 1e-12);
  }

  @Test
  void aLawWithANonPositiveExponentIsNotWellFormed() {
    assertTrue(ParametricLaw.CHINCHILLA.wellFormed());
    assertFalse(new ParametricLaw(1.69, 406.4, 410.7, -0.1, 0.28).wellFormed());
    assertFalse(new ParametricLaw(1.69, Double.NaN, 410.7, 0.34, 0.28).wellFormed());
  }
}
