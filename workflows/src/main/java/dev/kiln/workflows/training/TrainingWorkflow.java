package dev.kiln.workflows.training;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** Stage 4 as a child workflow: segments of training, each resuming from the last committed checkpoint. */
@WorkflowInterface
public interface TrainingWorkflow {
  @WorkflowMethod
  TrainingResult train(TrainingRequest request);

  @QueryMethod
  TrainingProgress progress();

  record TrainingProgress(int committedStep, int totalSteps, double lastLoss, CheckpointRef lastCheckpoint) {}
}
