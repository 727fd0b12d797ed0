package dev.kiln.workflows.pretraining;

import dev.kiln.workflows.spec.RunSpec;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** One pretraining run: scope -> select model -> curate -> pretrain -> evaluate. */
@WorkflowInterface
public interface PretrainingWorkflow {
  @WorkflowMethod
  RunSummary run(RunSpec spec);

  @QueryMethod
  RunProgress progress();
}
