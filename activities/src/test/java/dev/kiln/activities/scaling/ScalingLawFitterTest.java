package dev.kiln.activities.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.scaling.ScalingLawReport.Allocation;
import dev.kiln.activities.scaling.ScalingLawReport.Estimate;
import dev.kiln.activities.scaling.ScalingLawReport.Parametric;
import dev.kiln.workflows.ladder.LadderPoint;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * Both fits on ladders drawn from known laws. The fits are shared (one per ladder, each a few seconds of CPU);
 * the recovery errors are printed so the figures in docs/scaling-laws.md can be checked with the command there.
 */
class ScalingLawFitterTest {
  private static final ParametricLaw CHINCHILLA = ParametricLaw.CHINCHILLA;
  /** A law of the size Kiln's tiny CPU ladders see: losses of 3 to 5 nats at N 1e4..1e6, D 1e5..1e7. */
  private static final ParametricLaw TINY = new ParametricLaw(1.5, 40, 60, 0.3, 0.3);
  private static final double GOPHER_BUDGET = 5.76e23;

  /** 4 IsoFLOP budgets 1e18..1e21 FLOPs x 7 sizes (factor 2 apart, centred on N*), exact losses. */
  private static final class Clean {
    static final ScalingLawReport REPORT = ScalingLawFitter.fit(
        Ladders.isoFlop(CHINCHILLA, Ladders.decades(1e18, 4), 7, 2, 0, 7),
        ScalingLawFitter.Options.defaults().withUserBudget(GOPHER_BUDGET));
  }

  /** The same grid with each loss multiplied by exp(0.01 z), z ~ N(0, 1) seeded. */
  private static final class Noisy {
    static final ScalingLawReport REPORT = ScalingLawFitter.fit(
        Ladders.isoFlop(CHINCHILLA, Ladders.decades(1e18, 4), 7, 2, 0.01, 7),
        ScalingLawFitter.Options.defaults().withUserBudget(GOPHER_BUDGET));
  }

  /** 3 budgets 6e10..6e12 x 5 sizes 2.5x apart: N 8e3..3e6, D 3e4..1e7; 1 % noise. */
  private static final class Tiny {
    static final ScalingLawReport REPORT = ScalingLawFitter.fit(
        Ladders.isoFlop(TINY, new double[] {6e10, 6e11, 6e12}, 5, 2.5, 0.01, 3),
        ScalingLawFitter.Options.defaults().withUserBudget(6e13));
  }

  @Test
  void approach3RecoversChinchillasLawFromExactLosses() {
    Parametric p = Clean.REPORT.parametric();
    ParametricLaw law = p.law();
    print("clean approach 3", law, CHINCHILLA);
    assertEquals(1.69, law.e(), 1e-6 * 1.69);
    assertEquals(406.4, law.a(), 1e-6 * 406.4);
    assertEquals(410.7, law.b(), 1e-6 * 410.7);
    assertEquals(0.34, law.alpha(), 1e-7);
    assertEquals(0.28, law.beta(), 1e-7);
    assertEquals(4500, p.starts());
    Allocation gopher = Clean.REPORT.predict(GOPHER_BUDGET);
    assertEquals(CHINCHILLA.optimalParameters(GOPHER_BUDGET), gopher.parameters().value(),
        1e-5 * gopher.parameters().value());
    assertEquals(CHINCHILLA.tokensPerParameter(GOPHER_BUDGET), gopher.tokensPerParameter().value(),
        1e-5 * gopher.tokensPerParameter().value());
    assertEquals(CHINCHILLA.optimalLoss(GOPHER_BUDGET), gopher.loss().value(), 1e-6);
  }

  @Test
  void approach2RecoversTheParameterExponentFromExactLosses() {
    ScalingLawReport.IsoFlop iso = Clean.REPORT.isoFlop();
    double truth = CHINCHILLA.parameterExponent();
    System.out.printf(Locale.ROOT, "clean approach 2: a %.6f (truth %.6f), b %.6f%n", iso.a().value(), truth,
        iso.b().value());
    assertEquals(truth, iso.a().value(), 1e-3);
    assertEquals(1 - truth, iso.b().value(), 1e-3);
    assertEquals(4, iso.optima().size());
    for (ScalingLawReport.ProfileOptimum o : iso.optima()) {
      // the parabola's vertex is near the true argmin of each profile (the profile is not exactly a parabola)
      assertEquals(Math.log(CHINCHILLA.optimalParameters(o.budget())), Math.log(o.parameters().value()), 0.05);
      assertTrue(o.bracketed());
    }
  }

  @Test
  void approach3RecoversChinchillasLawThroughOnePercentNoise() {
    Parametric p = Noisy.REPORT.parametric();
    print("noisy approach 3", p.law(), CHINCHILLA);
    assertEquals(0.34, p.alpha().value(), 0.03);
    assertEquals(0.28, p.beta().value(), 0.03);
    assertEquals(1.69, p.e().value(), 0.1);
    assertEquals(CHINCHILLA.parameterExponent(), p.parameterExponent().value(), 0.03);
    assertEquals(CHINCHILLA.optimalLoss(GOPHER_BUDGET), Noisy.REPORT.predict(GOPHER_BUDGET).loss().value(), 0.1);
  }

  @Test
  void bootstrapIntervalsContainTheTruthUnderNoise() {
    Parametric p = Noisy.REPORT.parametric();
    assertEquals(200, p.bootstrapLaws().size());
    contains("E", p.e(), 1.69);
    contains("A", p.a(), 406.4);
    contains("B", p.b(), 410.7);
    contains("alpha", p.alpha(), 0.34);
    contains("beta", p.beta(), 0.28);
    contains("a (approach 3)", p.parameterExponent(), CHINCHILLA.parameterExponent());
    contains("a (approach 2)", Noisy.REPORT.isoFlop().a(), CHINCHILLA.parameterExponent());
    Allocation gopher = Noisy.REPORT.predict(GOPHER_BUDGET);
    contains("N* at Gopher's budget", gopher.parameters(), CHINCHILLA.optimalParameters(GOPHER_BUDGET));
    contains("loss at Gopher's budget", gopher.loss(), CHINCHILLA.optimalLoss(GOPHER_BUDGET));
    for (Allocation a : Noisy.REPORT.allocations()) {
      contains("D/N at " + a.budget(), a.tokensPerParameter(), CHINCHILLA.tokensPerParameter(a.budget()));
    }
    // the intervals are real: noise widens them well past the exact fit's
    assertTrue(p.alpha().high() - p.alpha().low() > 0.01, p.alpha().toString());
  }

  @Test
  void approach2RecoversTheParameterExponentThroughOnePercentNoise() {
    Estimate a = Noisy.REPORT.isoFlop().a();
    System.out.printf(Locale.ROOT, "noisy approach 2: a %.4f [%.4f, %.4f] (truth %.4f)%n", a.value(), a.low(),
        a.high(), CHINCHILLA.parameterExponent());
    assertEquals(CHINCHILLA.parameterExponent(), a.value(), 0.04);
  }

  @Test
  void aTinyCpuLadderFitsSensibly() {
    ScalingLawReport r = Tiny.REPORT;
    Parametric p = r.parametric();
    print("tiny approach 3", p.law(), TINY);
    assertEquals(0.3, p.alpha().value(), 0.1);
    assertEquals(0.3, p.beta().value(), 0.1);
    assertEquals(1.5, p.e().value(), 0.5);
    assertEquals(TINY.parameterExponent(), p.parameterExponent().value(), 0.1);
    assertEquals(TINY.parameterExponent(), r.isoFlop().a().value(), 0.1);
    Allocation next = r.predict(6e13);
    double truth = TINY.optimalLoss(6e13);
    System.out.printf(Locale.ROOT, "tiny: loss at 6e13 %.4f [%.4f, %.4f] (truth %.4f); N* %.3g (truth %.3g)%n",
        next.loss().value(), next.loss().low(), next.loss().high(), truth, next.parameters().value(),
        TINY.optimalParameters(6e13));
    assertEquals(truth, next.loss().value(), 0.02 * truth);
    contains("tiny loss at 6e13", next.loss(), truth);
    assertEquals(4, r.allocations().size(), "3 IsoFLOP budgets and the user's");
  }

  @Test
  void explicitPointsFitApproach3Only() {
    List<LadderPoint> points = new ArrayList<>();
    for (double n : new double[] {2e7, 8e7, 3e8, 1e9}) {
      for (double d : new double[] {4e8, 2e9, 1e10, 5e10}) {
        points.add(new LadderPoint("n" + n + "d" + d, (long) n, (long) d, 6 * n * d, 0, CHINCHILLA.loss(n, d)));
      }
    }
    ScalingLawReport r = ScalingLawFitter.fit(points, new ScalingLawFitter.Options(50, 1, 1e21));
    assertNull(r.isoFlop());
    print("explicit approach 3", r.parametric().law(), CHINCHILLA);
    assertEquals(0.34, r.parametric().alpha().value(), 1e-5);
    assertEquals(0.28, r.parametric().beta().value(), 1e-5);
    assertEquals(1, r.allocations().size());
    assertNull(r.allocations().get(0).isoFlopParameters());
    assertTrue(r.text().contains("Approach 2: not fitted"), r.text());
    assertNotNull(ScalingLawPlots.computeOptimal(r));
    assertNotNull(ScalingLawPlots.lossCurves(r));
  }

  @Test
  void theReportRoundTripsThroughJsonAndStillPredicts() throws Exception {
    ObjectMapper json = new ObjectMapper();
    String text = json.writeValueAsString(Noisy.REPORT);
    ScalingLawReport back = json.readValue(text, ScalingLawReport.class);
    assertEquals(Noisy.REPORT, back);
    assertEquals(Noisy.REPORT.predict(3e22), back.predict(3e22));
    assertTrue(text.contains("\"tokensPerParameter\""), text.substring(0, 200));
  }

  @Test
  void theTextTableShowsBothFitsAndEveryBudget() {
    String text = Noisy.REPORT.text();
    for (String expected : new String[] {"Approach 3", "Approach 2", "alpha", "beta", "a = beta/(alpha+beta)",
        "1.00e+18", "1.00e+21", "5.76e+23", "(user budget)", "C1e+18-N0"}) {
      assertTrue(text.contains(expected), expected + " missing from\n" + text);
    }
    assertTrue(text.contains(String.format(Locale.ROOT, "%.5g", Noisy.REPORT.parametric().alpha().value())), text);
  }

  @Test
  void theReportDrawsBothPlots() throws Exception {
    for (byte[] png : new byte[][] {ScalingLawPlots.lossCurves(Noisy.REPORT), ScalingLawPlots.computeOptimal(Noisy.REPORT),
        ScalingLawPlots.lossCurves(Tiny.REPORT), ScalingLawPlots.computeOptimal(Tiny.REPORT)}) {
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
      assertEquals(900, image.getWidth());
      assertEquals(600, image.getHeight());
      // the fits are drawn: both fit colours (approach 3 blue, approach 2 orange) appear in the plot area
      assertTrue(count(image, new Color(20, 60, 160)) > 200, "approach 3 colour");
      assertTrue(count(image, new Color(200, 80, 20)) > 50, "approach 2 / second budget colour");
    }
    String dir = System.getProperty("kiln.scaling.plots");
    if (dir != null) { // -Dkiln.scaling.plots=DIR keeps the PNGs to look at
      Files.createDirectories(Path.of(dir));
      Files.write(Path.of(dir, "loss-curves.png"), ScalingLawPlots.lossCurves(Noisy.REPORT));
      Files.write(Path.of(dir, "compute-optimal.png"), ScalingLawPlots.computeOptimal(Noisy.REPORT));
      Files.write(Path.of(dir, "tiny-loss-curves.png"), ScalingLawPlots.lossCurves(Tiny.REPORT));
      Files.write(Path.of(dir, "tiny-compute-optimal.png"), ScalingLawPlots.computeOptimal(Tiny.REPORT));
      Files.writeString(Path.of(dir, "report.txt"), Noisy.REPORT.text());
    }
  }

  private static int count(BufferedImage image, Color color) {
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        if (image.getRGB(x, y) == color.getRGB()) {
          n++;
        }
      }
    }
    return n;
  }

  @Test
  void predictRefusesANonPositiveBudget() {
    assertThrows(IllegalArgumentException.class, () -> Noisy.REPORT.predict(0));
    assertThrows(IllegalArgumentException.class, () -> Noisy.REPORT.predict(Double.NaN));
  }

  private static void contains(String what, Estimate e, double truth) {
    assertTrue(e.contains(truth), String.format(Locale.ROOT, "%s: 5%%-95%% interval [%.5g, %.5g] around %.5g"
        + " misses the truth %.5g", what, e.low(), e.high(), e.value(), truth));
  }

  private static void print(String what, ParametricLaw fit, ParametricLaw truth) {
    System.out.printf(Locale.ROOT, "%s: E %.6g (%+.2e) A %.6g (%+.2e rel) B %.6g (%+.2e rel) alpha %.6g (%+.2e)"
            + " beta %.6g (%+.2e) a %.6g (%+.2e)%n", what, fit.e(), fit.e() - truth.e(), fit.a(),
        fit.a() / truth.a() - 1, fit.b(), fit.b() / truth.b() - 1, fit.alpha(), fit.alpha() - truth.alpha(), fit.beta(),
        fit.beta() - truth.beta(), fit.parameterExponent(), fit.parameterExponent() - truth.parameterExponent());
  }
}
