package dev.kiln.workflows.evaluation;

import dev.kiln.workflows.curation.CurationResult;
import dev.kiln.workflows.hub.ModelSelection;
import dev.kiln.workflows.scope.ScopePlan;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.training.TrainingConfig;
import dev.kiln.workflows.training.TrainingResult;

/**
 * @param compareWithDecoder whether an encoder run's evaluation also trains and probes the comparison decoder, as the
 *     workflow decided it: the spec's {@code evaluation.compareWithDecoder} for a run that started on a build with
 *     the opt-in, true for one that started before it (when every encoder run compared); null in a request an
 *     older build scheduled, which means true as well (see WorkflowVersions.DECODER_COMPARISON_OPT_IN)
 */
public record EvaluationRequest(
    String runId,
    RunSpec spec,
    ScopePlan plan,
    ModelSelection selection,
    CurationResult curation,
    TrainingConfig config,
    TrainingResult training,
    Boolean compareWithDecoder) {

  /** Whether an encoder (masked LM) run's evaluation trains the comparison decoder; null (an older build's) is yes. */
  public boolean comparesWithDecoder() {
    return !Boolean.FALSE.equals(compareWithDecoder);
  }
}
