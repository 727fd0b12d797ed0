package dev.kiln.activities.ladder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.workflows.ladder.LadderPlan;
import dev.kiln.workflows.ladder.LadderRung;
import dev.kiln.workflows.ladder.LadderSpec;
import dev.kiln.workflows.spec.InvalidRunSpecException;
import dev.kiln.workflows.spec.RunSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class LadderPlannerTest {
  private final RunSpec run = RunSpecLoader.load(Path.of("..", "configs", "tiny-gpt.yaml"));

  @Test
  void anIsoFlopGridGivesEachSizeCOver6NTokensInWholeSteps() {
    LadderPlan plan = LadderPlanner.plan(LadderSpec.isoFlop(run, List.of(1e13, 3e13), List.of(64, 96, 128)), "t");
    assertEquals(6, plan.rungs().size());
    assertEquals(List.of("c1e13-d64", "c1e13-d96", "c1e13-d128", "c3e13-d64", "c3e13-d96", "c3e13-d128"),
        plan.rungs().stream().map(LadderRung::name).toList());
    long tokensPerStep = 16L * 128;
    for (LadderRung r : plan.rungs()) {
      assertEquals(0, r.tokens() % tokensPerStep, r.name());
      assertTrue(r.tokens() <= r.budget() / (6.0 * r.totalParameters()), r.name());
      assertTrue(r.tokens() + tokensPerStep > r.budget() / (6.0 * r.totalParameters()), r.name());
      assertEquals(r.tokens() / tokensPerStep, r.plan().steps());
      assertEquals(r.totalParameters() - 4096L * r.plan().shape().dModel(), r.parameters(), "N without the token embedding");
      assertEquals(6.0 * r.totalParameters() * r.tokens(), r.flops(), 1);
    }
    assertTrue(plan.rungs().get(0).tokens() > plan.rungs().get(2).tokens(), "at one budget, larger models see fewer tokens");
  }

  @Test
  void aRungItsBudgetCannotBuyIsRefusedNamingTheBudgetAndTheFix() {
    InvalidRunSpecException e = assertThrows(InvalidRunSpecException.class,
        () -> LadderPlanner.plan(LadderSpec.isoFlop(run, List.of(1e11, 1e13), List.of(64, 96, 512)), "ladder.yaml"));
    String m = e.getMessage();
    assertTrue(m.contains("ladder.budgets[0] x ladder.sizes[2]: rung c1e11-d512 exceeds its budget"), m);
    assertTrue(m.contains("the model alone costs more than the budget"), m);
    assertTrue(m.contains("raise this budget to at least"), m);
  }

  @Test
  void explicitPointsKeepTheirTokensInWholeSteps() {
    List<LadderSpec.Point> points = List.of(new LadderSpec.Point(64, 100_000), new LadderSpec.Point(64, 200_000),
        new LadderSpec.Point(96, 100_000), new LadderSpec.Point(96, 200_000), new LadderSpec.Point(128, 150_000));
    LadderPlan plan = LadderPlanner.plan(LadderSpec.ofPoints(run, points), "t");
    assertEquals(List.of("p1-d64", "p2-d64", "p3-d96", "p4-d96", "p5-d128"), plan.rungs().stream().map(LadderRung::name).toList());
    assertEquals(98_304, plan.rungs().get(0).tokens()); // 48 steps of 2,048
    assertEquals(0, plan.rungs().get(0).budget());
  }

  @Test
  void aRunSpecThatFixesTheShapeOrContinuesIsRefused() {
    RunSpec fixed = new RunSpec(run.name(), run.useCase(), run.budget(), new RunSpec.ModelChoice("continue", "tiny"),
        run.data(), run.curation(), run.tokenizer(), new RunSpec.TrainingSpec(128, 16, 100, 64, 2, 2, 3e-3, 3e-4, 10,
        0.1, 1, 0, 1, 20, 50, "cpu"), run.evaluation(), run.resilience());
    InvalidRunSpecException e = assertThrows(InvalidRunSpecException.class,
        () -> LadderPlanner.plan(LadderSpec.isoFlop(fixed, List.of(1e13, 3e13), List.of(64, 96, 128)), "t"));
    assertTrue(e.getMessage().contains("run.training.steps: is 100"), e.getMessage());
    assertTrue(e.getMessage().contains("run.training.dModel: fixes a shape"), e.getMessage());
    assertTrue(e.getMessage().contains("run.model.strategy: is 'continue'"), e.getMessage());
  }

  @Test
  void budgetsAreNamedCompactly() {
    assertEquals("1e11", LadderPlanner.compact(1e11));
    assertEquals("3e11", LadderPlanner.compact(3e11));
    assertEquals("2.5e12", LadderPlanner.compact(2.5e12));
  }
}
