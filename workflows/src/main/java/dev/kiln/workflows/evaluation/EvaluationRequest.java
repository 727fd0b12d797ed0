package dev.kiln.workflows.evaluation;

import dev.kiln.workflows.curation.CurationResult;
import dev.kiln.workflows.hub.ModelSelection;
import dev.kiln.workflows.scope.ScopePlan;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.training.TrainingConfig;
import dev.kiln.workflows.training.TrainingResult;

public record EvaluationRequest(
    String runId,
    RunSpec spec,
    ScopePlan plan,
    ModelSelection selection,
    CurationResult curation,
    TrainingConfig config,
    TrainingResult training) {}
