package dev.kiln.activities.scaling;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.workflows.ladder.LadderPoint;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Bad ladders are refused before any fitting, with a message that says what is wrong. */
class ScalingLawInputTest {
  private static final ScalingLawFitter.Options OPTIONS = new ScalingLawFitter.Options(20, 1, 0);

  private static List<LadderPoint> ladder() {
    return Ladders.isoFlop(ParametricLaw.CHINCHILLA, new double[] {1e18, 1e19}, 5, 2, 0, 1);
  }

  private static void refused(List<LadderPoint> points, String... phrases) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ScalingLawFitter.fit(points, OPTIONS));
    for (String phrase : phrases) {
      assertTrue(e.getMessage().contains(phrase), "'" + phrase + "' not in: " + e.getMessage());
    }
  }

  private static List<LadderPoint> withFirst(UnaryOperator<LadderPoint> change) {
    List<LadderPoint> points = new ArrayList<>(ladder());
    points.set(0, change.apply(points.get(0)));
    return points;
  }

  @Test
  void fewerPointsThanApproach3HasParameters() {
    refused(ladder().subList(0, 4), "at least 5", "got 4");
    refused(List.of(), "at least 5", "got 0");
    refused(null, "at least 5");
  }

  @Test
  void nonPositiveSizesTokensOrLosses() {
    refused(withFirst(p -> new LadderPoint(p.rung(), 0, p.tokens(), p.flops(), p.budget(), p.loss())),
        "C1e+18-N0", "parameters must be positive");
    refused(withFirst(p -> new LadderPoint(p.rung(), p.parameters(), -5, p.flops(), p.budget(), p.loss())),
        "tokens must be positive", "-5");
    refused(withFirst(p -> new LadderPoint(p.rung(), p.parameters(), p.tokens(), p.flops(), p.budget(), 0)),
        "loss must be positive");
    refused(withFirst(p -> new LadderPoint(p.rung(), p.parameters(), p.tokens(), p.flops(), p.budget(), -1.2)),
        "loss must be positive");
  }

  @Test
  void notANumber() {
    refused(withFirst(p -> new LadderPoint(p.rung(), p.parameters(), p.tokens(), p.flops(), p.budget(), Double.NaN)),
        "loss is NaN");
    refused(withFirst(p -> new LadderPoint(p.rung(), p.parameters(), p.tokens(), p.flops(), p.budget(),
        Double.POSITIVE_INFINITY)), "loss is Infinity");
    refused(withFirst(p -> new LadderPoint(p.rung(), p.parameters(), p.tokens(), p.flops(), Double.NaN, p.loss())),
        "budget must be");
    refused(withFirst(p -> new LadderPoint(p.rung(), p.parameters(), p.tokens(), Double.NaN, p.budget(), p.loss())),
        "flops must be");
  }

  @Test
  void approach2NeedsTwoBudgetsOfThreeSizes() {
    refused(ladder().subList(0, 5), "at least 2 budgets", "got 1");
    List<LadderPoint> twoSizes = new ArrayList<>(ladder().subList(0, 5));
    twoSizes.addAll(ladder().subList(5, 7));
    refused(twoSizes, "at least 3 model sizes", "has 2");
  }

  @Test
  void approach3NeedsMoreThanOneSizeAndTokenCount() {
    List<LadderPoint> points = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      long d = 1_000_000L * (i + 1);
      points.add(new LadderPoint("r" + i, 50_000, d, 6.0 * 50_000 * d, 0, 4.0 - 0.1 * i));
    }
    refused(points, "2 distinct model sizes", "got 1");
  }

  @Test
  void aProfileWithoutMinimumLeavesApproach2OutWithAWarning() {
    List<LadderPoint> points = new ArrayList<>();
    double[] losses = {3.0, 3.5, 3.7, 3.5, 3.0}; // concave: a maximum in the middle
    for (double c : new double[] {1e18, 1e19}) {
      for (int i = 0; i < 5; i++) {
        long n = (long) (1e7 * Math.pow(2, i));
        long d = (long) (c / (6.0 * n));
        points.add(new LadderPoint("r" + i, n, d, c, c, losses[i]));
      }
    }
    ScalingLawReport report = ScalingLawFitter.fit(points, OPTIONS);
    assertNull(report.isoFlop(), "no IsoFLOP fit from profiles without a minimum");
    assertNotNull(report.parametric(), "approach 3 still fits the points");
    assertTrue(report.warnings().stream().anyMatch(w -> w.contains("approach 2 left out") && w.contains("not convex")
        && w.contains("1.00e+18")), report.warnings().toString());
  }

  @Test
  void aProfileThatDoesNotBracketItsMinimumIsKeptWithAWarning() {
    // the 1e19 profile has only sizes below N*(1e19): its parabola's vertex lies beyond the largest one
    List<LadderPoint> points = new ArrayList<>();
    ParametricLaw law = ParametricLaw.CHINCHILLA;
    for (double c : new double[] {1e18, 1e19}) {
      double top = c == 1e18 ? 4 * law.optimalParameters(c) : law.optimalParameters(c) / 1.5;
      for (int i = 0; i < 5; i++) {
        long n = Math.round(top / Math.pow(2, i));
        long d = Math.round(c / (6.0 * n));
        points.add(new LadderPoint("r" + i, n, d, 6.0 * n * d, c, law.loss(n, d)));
      }
    }
    // a handful of grid starts around the truth keeps this test fast; the full grid is tested elsewhere
    ScalingLawReport r = ScalingLawFitter.fit(points, OPTIONS, List.of(new double[] {5, 5, 0.5, 0.5, 0.5},
        new double[] {6, 6, 0.5, 0.3, 0.3}));
    assertTrue(r.isoFlop().optima().get(0).bracketed());
    assertFalse(r.isoFlop().optima().get(1).bracketed());
    assertTrue(r.warnings().stream().anyMatch(w -> w.contains("1.00e+19") && w.contains("outside the sizes measured")),
        r.warnings().toString());
    assertTrue(r.text().contains("(outside the sizes measured)"), r.text());
  }

  @Test
  void aLawWithoutAllocationRefusesToPredict() {
    ParametricLaw bad = new ParametricLaw(1.7, 400, 400, -0.05, 0.3);
    ScalingLawReport.Estimate e = new ScalingLawReport.Estimate(1, 1, 1);
    ScalingLawReport report = new ScalingLawReport(ladder(), 20, 1, 1e-3, null,
        new ScalingLawReport.Parametric(bad, e, e, e, e, e, e, e, 0, 1, List.of()), List.of(), 0, List.of());
    IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> report.predict(1e20));
    assertTrue(thrown.getMessage().contains("no compute-optimal allocation"), thrown.getMessage());
  }

  @Test
  void badOptions() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ScalingLawFitter.fit(ladder(), new ScalingLawFitter.Options(5, 1, 0)));
    assertTrue(e.getMessage().contains("at least 20 resamples"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ScalingLawFitter.fit(ladder(), new ScalingLawFitter.Options(100, 1, -1)));
    assertTrue(e.getMessage().contains("user budget"), e.getMessage());
  }
}
