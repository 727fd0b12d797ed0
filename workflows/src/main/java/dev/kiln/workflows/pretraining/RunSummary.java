package dev.kiln.workflows.pretraining;

import dev.kiln.workflows.curation.CurationResult;
import dev.kiln.workflows.evaluation.EvaluationResult;
import dev.kiln.workflows.hub.ModelSelection;
import dev.kiln.workflows.scope.ScopePlan;
import dev.kiln.workflows.training.TrainingResult;
import java.util.Map;

/**
 * The result of a whole run: every stage's outcome and its wall time in milliseconds (by stage name).
 */
public record RunSummary(
    String runId,
    ScopePlan plan,
    ModelSelection selection,
    CurationResult curation,
    TrainingResult training,
    EvaluationResult evaluation,
    Map<String, Long> stageMillis) {}
