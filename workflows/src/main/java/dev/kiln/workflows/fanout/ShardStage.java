package dev.kiln.workflows.fanout;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.kiln.workflows.ActivityPolicies;
import dev.kiln.workflows.ActivitySummaries;
import dev.kiln.workflows.curation.CurationActivities;
import dev.kiln.workflows.curation.ShardRequest;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;

/**
 * A stage whose work is one activity per shard index, run through {@link ShardBatchWorkflow}: what the stage needs
 * besides the index (run, spec, plan), how one shard's request is built from its index, and how its result counts
 * in a {@link ShardTally}. A new per-shard stage (dedup buckets, per-shard filter, packing) is one more record here
 * and one line in {@link JsonSubTypes}; the batching, in-flight bound and continue-as-new are {@link ShardBatchWorkflowImpl}'s
 * and {@link ShardFanOut}'s.
 *
 * <p>Workflow code: {@link #start} is called from a workflow thread only.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.WRAPPER_OBJECT)
@JsonSubTypes({
  @JsonSubTypes.Type(value = ShardStage.CurateShards.class, name = "curateShards"),
})
public sealed interface ShardStage {

  /** Short name for workflow ids and details: {@code curate}. */
  String label();

  /** Starts the activity of shard {@code shard} of {@code shards} (numbered from 0); completes with its tally. */
  Promise<ShardTally> start(int shard, int shards);

  /** Stage 3's per-shard step: {@link CurationActivities#curateShard}, which writes {@code docs/shard-%05d.*}. */
  record CurateShards(String runId, RunSpec spec, String planKey) implements ShardStage {
    @Override
    public String label() {
      return "curate";
    }

    @Override
    public Promise<ShardTally> start(int shard, int shards) {
      CurationActivities activities = ActivitySummaries.stub(
          CurationActivities.class, ActivityPolicies.DATA_WORK, ActivitySummaries.curateShard(shard, shards));
      return Async.function(activities::curateShard, new ShardRequest(runId, spec, planKey, shard, shards))
          .thenApply(ShardTally::of);
    }
  }
}
