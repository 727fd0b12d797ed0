package dev.kiln.workflows.pretraining;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.kiln.workflows.curation.CurationResult;
import dev.kiln.workflows.curation.RawSelection;
import dev.kiln.workflows.evaluation.EvaluationResult;
import dev.kiln.workflows.hub.ModelSelection;
import dev.kiln.workflows.scope.ScopePlan;
import dev.kiln.workflows.training.TrainingResult;
import java.util.Map;

/**
 * The result of a whole run: every stage's outcome and its wall time in milliseconds (by stage name).
 *
 * @param raw for a run with {@code data.onlyNew}: which raw objects it took (new ones only), else null
 * @param skipped why the run did nothing (no new raw data arrived and {@code data.whenNothingNew} is skip), else
 *     null; a skipped run has only {@code runId}, {@code raw} and {@code stageMillis}
 */
public record RunSummary(
    String runId,
    ScopePlan plan,
    ModelSelection selection,
    CurationResult curation,
    TrainingResult training,
    EvaluationResult evaluation,
    Map<String, Long> stageMillis,
    RawSelection raw,
    String skipped) {

  @JsonIgnore
  public boolean isSkipped() {
    return skipped != null;
  }
}
