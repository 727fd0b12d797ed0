package dev.kiln.workflows.ladder;

import dev.kiln.workflows.training.TrainingConfig;
import dev.kiln.workflows.training.TrainingResult;
import io.temporal.activity.ActivityInterface;
import java.util.List;

/** The work of a ladder around its training runs: planning, measuring each rung, fitting the law. */
@ActivityInterface
public interface LadderActivities {
  /**
   * The rungs of {@code spec}, or a non-retryable {@code InvalidRunSpec} failure naming every field that is wrong
   * and its fix (too few points for the fit, a rung its budget cannot buy, a shape the ladder cannot build).
   */
  LadderPlan plan(LadderSpec spec);

  /**
   * Held-out loss of a trained rung, its throughput and peak memory; writes {@code ladders/<id>/rungs/<rung>.json}.
   */
  RungResult measureRung(RungRequest request);

  /**
   * Fits the scaling laws to the rung results under {@code ladders/<id>/rungs/} and writes {@code report.json},
   * {@code report.txt}, the plots and the ladder card next to them.
   */
  LadderReport fitAndReport(LadderReportRequest request);

  /**
   * @param maxHeldOutTokens held-out tokens scored at most (the run spec's {@code evaluation.maxHeldOutTokens})
   */
  record RungRequest(String ladderId, LadderRung rung, TrainingConfig config, TrainingResult training,
      int maxHeldOutTokens, String trainingWorkflowId, int attempts) {}

  /** @param rungKeys the rung results to fit, as {@link #measureRung} wrote them */
  record LadderReportRequest(String ladderId, LadderSpec spec, List<String> rungKeys, List<String> failed) {}
}
