package dev.kiln.worker;

import dev.kiln.workflows.training.Objective;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.workflows.curation.CurationResult;
import dev.kiln.workflows.curation.StepStats;
import dev.kiln.workflows.evaluation.EvaluationResult;
import dev.kiln.workflows.hub.ModelSelection;
import dev.kiln.workflows.pretraining.RunSummary;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.scope.ScopePlan;
import dev.kiln.workflows.training.CheckpointRef;
import dev.kiln.workflows.training.TrainingResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The run summary that {@code kiln run}, {@code watch} and {@code status} print. */
class RunReportTest {
  private static final ModelShape SHAPE = new ModelShape(4096, 128, 64, 2, 2);

  @Test
  void aRunThatMissesItsBaselineSaysSoOnItsLastLineWithTheNumbersAndTheFix() {
    String report = RunReport.format(summary(Objective.CLM, 612.5, 586.25, Map.of(), false), "kiln");
    String last = lastLine(report);
    assertEquals("kiln: the run completed, but its model does not beat the unigram baseline (held-out perplexity 612.50"
        + " vs the unigram's 586.25), so kiln run exits with code 1; train longer (training.steps; this run trained 1,200)"
        + " or with a larger budget (budget.trainingFlops)", last);
    assertTrue(report.contains("does NOT beat its baseline"), report);
  }

  @Test
  void anEncoderThatLosesOnlyOnMaskedAccuracyNamesThatComparison() {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("masked_token_accuracy", 0.031);
    metrics.put("most_frequent_token_accuracy", 0.052);
    String last = lastLine(RunReport.format(summary(Objective.MLM, 328.0, 586.0, metrics, false), "kiln"));
    assertTrue(last.startsWith("kiln: the run completed, but its model does not beat the unigram baseline"
        + " (masked-token accuracy 0.0310 vs the most frequent token's 0.0520)"), last);
    assertFalse(last.contains("pseudo-perplexity"), "the perplexity comparison was won: " + last);
  }

  @Test
  void aRunThatBeatsItsBaselineEndsWithItsStages() {
    String report = RunReport.format(summary(Objective.CLM, 70.0, 586.0, Map.of(), true), "kiln");
    assertTrue(lastLine(report).startsWith("stages "), report);
    assertFalse(report.contains("kiln: the run completed, but"), report);
  }

  private static String lastLine(String report) {
    String[] lines = report.strip().split("\n");
    return lines[lines.length - 1];
  }

  private static RunSummary summary(Objective objective, double perplexity, double unigram, Map<String, Double> metrics, boolean beats) {
    ScopePlan plan = new ScopePlan("generation", objective.architecture(), objective, "why",
        SHAPE, SHAPE.parameters(), 1200L * 2048, 1200L * 2048 * 20, 1200, "sizing");
    ModelSelection selection = new ModelSelection("scratch", null, "train from scratch: empty hub", null, null, null);
    StepStats stats = new StepStats("decode", 10, 1, 1000, 100, Map.of("x", 9L), 1);
    CurationResult curation = new CurationResult("m", "t", "s", "runs/r/curated/report.json", "p", 4000, 10, 1000, 1, 100,
        90, 10, List.of(stats));
    CheckpointRef last = new CheckpointRef("runs/r/checkpoints/g0/step-1200/", 1200, 5.1);
    TrainingResult training = new TrainingResult(last, List.of(last), List.of(), SHAPE.parameters(), 1200L * 2048, 10_000,
        1_000_000_000L, List.of(), List.of(), List.of(), 0.97, 100_000, 0.01, 50, 100, 0, null, null);
    EvaluationResult evaluation = new EvaluationResult(Math.log(perplexity), perplexity, unigram, 20_000, List.of("The end"),
        metrics, beats, "runs/r/model/", "runs/r/model/README.md", "tiny-gpt");
    Map<String, Long> stages = new LinkedHashMap<>();
    stages.put("scope", 100L);
    return new RunSummary("r", plan, selection, curation, training, evaluation, stages, null, null);
  }
}
