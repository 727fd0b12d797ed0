package dev.kiln.workflows.fanout;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * A range of shards of one {@link ShardStage}, one activity per shard with a bounded number in flight, continuing
 * as new as its history grows; returns the range's {@link ShardTally}.
 */
@WorkflowInterface
public interface ShardBatchWorkflow {
  @WorkflowMethod
  ShardTally run(ShardBatchRequest request);

  /** Shards of the range done (over every run of the batch) and the range's size. */
  @QueryMethod
  BatchProgress progress();

  record BatchProgress(int shardsDone, int shardsInBatch) {}
}
