package dev.kiln.workflows.curation;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** Stage 3 as a child workflow: one activity per raw shard, then the global steps. */
@WorkflowInterface
public interface CurationWorkflow {
  @WorkflowMethod
  CurationResult curate(CurationRequest request);

  @QueryMethod
  CurationProgress progress();

  record CurationProgress(int shardsDone, int shards, String phase) {}
}
