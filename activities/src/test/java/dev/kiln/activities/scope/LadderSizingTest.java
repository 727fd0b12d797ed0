package dev.kiln.activities.scope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.LocalBucket;
import dev.kiln.workflows.scope.ScopePlan;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scope sized from a finished ladder's fitted law ({@code budget.ladder}) instead of the tokens-per-parameter ratio. */
class LadderSizingTest {
  private final RunSpec bundled = RunSpecLoader.load(Path.of("..", "configs", "tiny-gpt.yaml"));
  @TempDir Path dir;

  /** Chinchilla's published fit (Hoffmann et al. 2022): E 1.69, A 406.4, alpha 0.34, B 410.7, beta 0.28. */
  private static final LadderLaw.Params CHINCHILLA = new LadderLaw.Params(1.69, 406.4, 0.34, 410.7, 0.28);

  @Test
  void theClosedFormOptimumSpendsTheBudgetAndMinimisesTheLoss() {
    double c = 1e21;
    double[] opt = CHINCHILLA.optimal(c);
    assertEquals(c, 6 * opt[0] * opt[1], c * 1e-9);
    double best = CHINCHILLA.loss(opt[0], opt[1]);
    for (double f : new double[] {0.5, 0.8, 1.25, 2}) {
      assertTrue(CHINCHILLA.loss(opt[0] * f, opt[1] / f) > best, "moving along C = 6ND raises the loss: " + f);
    }
  }

  @Test
  void scopeTakesNFromTheLawAndSaysSoWithThePredictedLoss() throws Exception {
    try (LocalBucket bucket = LocalBucket.start(dir, "kiln")) {
      bucket.store().put("ladders/lad1/report.json", ("{\"fit\": {\"parametric\": {\"E\": 1.69, \"A\": 406.4,"
          + " \"alpha\": 0.34, \"B\": 410.7, \"beta\": 0.28}, \"bootstrap\": [{\"E\": 1.6, \"A\": 400, \"alpha\": 0.34,"
          + " \"B\": 400, \"beta\": 0.28}, {\"E\": 1.8, \"A\": 410, \"alpha\": 0.34, \"B\": 420, \"beta\": 0.28}]}}")
          .getBytes(StandardCharsets.UTF_8));
      ScopePlan plan = new ScopeActivitiesImpl(bucket.store()).scope(withLadder(bundled, "lad1"));
      assertEquals("lad1", plan.ladder().ladderId());
      assertTrue(plan.sizingReason().startsWith("sized from ladder lad1's fitted law L(N, D) = 1.690"), plan.sizingReason());
      assertTrue(plan.sizingReason().contains("predicted held-out loss"), plan.sizingReason());
      assertTrue(plan.ladder().lossLow() < plan.ladder().loss() && plan.ladder().loss() < plan.ladder().lossHigh(),
          plan.ladder().toString());
      assertEquals(plan.trainingTokens(), plan.ladder().tokens());
      // the shape is the ladder's nearest to N_opt in non-embedding parameters
      double nOpt = plan.ladder().optimalParameters();
      long chosen = ScopeActivitiesImpl.nonEmbedding(plan.modelTypeOrLegacy(), plan.shape());
      for (int[] s : dev.kiln.workflows.scope.ShapeLadder.SHAPES) {
        long other = ScopeActivitiesImpl.nonEmbedding(plan.modelTypeOrLegacy(),
            new dev.kiln.workflows.scope.ModelShape(plan.shape().vocabSize(), plan.shape().contextLength(), s[0], s[1], s[2]));
        assertTrue(Math.abs(Math.log(chosen / nOpt)) <= Math.abs(Math.log(other / nOpt)) + 1e-12, "d_model " + s[0]);
      }
    }
  }

  @Test
  void aLadderThatDoesNotExistIsABadSpecNamingTheField() throws Exception {
    try (LocalBucket bucket = LocalBucket.start(dir, "kiln")) {
      ApplicationFailure e = assertThrows(ApplicationFailure.class,
          () -> new ScopeActivitiesImpl(bucket.store()).scope(withLadder(bundled, "nope")));
      assertTrue(e.getOriginalMessage().startsWith("budget.ladder: no ladder nope has finished"), e.getOriginalMessage());
      assertTrue(e.isNonRetryable());
    }
  }

  @Test
  void aReportWithoutAFitIsRefused() throws Exception {
    try (LocalBucket bucket = LocalBucket.start(dir, "kiln")) {
      bucket.store().put("ladders/lad2/report.json", "{\"fit\": null}".getBytes(StandardCharsets.UTF_8));
      ApplicationFailure e = assertThrows(ApplicationFailure.class,
          () -> new ScopeActivitiesImpl(bucket.store()).scope(withLadder(bundled, "lad2")));
      assertTrue(e.getOriginalMessage().contains("has no fitted parametric law (fit.parametric)"), e.getOriginalMessage());
    }
  }

  static RunSpec withLadder(RunSpec s, String ladder) {
    RunSpec.Budget b = s.budget();
    return new RunSpec(s.name(), s.useCase(), new RunSpec.Budget(b.trainingFlops(), b.expectedCurationYield(),
        b.tokensPerParameter(), ladder), s.model(), s.data(), s.curation(), s.tokenizer(), s.training(), s.evaluation(),
        s.resilience());
  }
}
