package dev.kiln.workflows.ladder;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;

/**
 * A scaling-law ladder: plan the rungs, curate the run's data once, train every rung as its own training workflow
 * (at most {@code maxConcurrentRungs} at once; a failed or killed rung is started again alone), measure each rung's
 * held-out loss, then fit the laws and write the report under {@code ladders/<id>/}. The ladder's id is its workflow id.
 */
@WorkflowInterface
public interface LadderWorkflow {
  @WorkflowMethod
  LadderSummary run(LadderSpec spec);

  @QueryMethod
  LadderProgress progress();

  /**
   * @param stage plan, curate, train, report or done
   * @param rungs every planned rung, in plan order
   */
  record LadderProgress(String stage, String curationWorkflowId, List<RungStatus> rungs) {}

  /**
   * @param state planned, training, measuring, done or failed
   * @param trainingWorkflowId the training workflow of the current (or last) attempt, or null before the first
   * @param loss held-out loss once measured, else NaN
   * @param failure why the last attempt failed, or null
   */
  record RungStatus(String rung, double budget, long parameters, long tokens, String state, int attempts,
      String trainingWorkflowId, double loss, String failure) {}
}
