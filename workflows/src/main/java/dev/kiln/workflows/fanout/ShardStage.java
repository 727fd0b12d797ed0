package dev.kiln.workflows.fanout;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.kiln.workflows.ActivityPolicies;
import dev.kiln.workflows.ActivitySummaries;
import dev.kiln.workflows.curation.CurationActivities;
import dev.kiln.workflows.curation.GlobalStageRequest;
import dev.kiln.workflows.curation.ShardRequest;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import java.util.List;

/**
 * A stage whose work is one activity per shard index, run through {@link ShardBatchWorkflow}: what the stage needs
 * besides the index (run, spec, plan), how one shard's request is built from its index, and how its result counts
 * in a {@link ShardTally}: curating the shards, and the per-index steps of the partitioned global stage. A new
 * per-shard stage is one more record here and one line in {@link JsonSubTypes} (whose names are in histories: add,
 * never rename); the batching, in-flight bound and continue-as-new are {@link ShardBatchWorkflowImpl}'s and
 * {@link ShardFanOut}'s.
 *
 * <p>Workflow code: {@link #start} is called from a workflow thread only.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.WRAPPER_OBJECT)
@JsonSubTypes({
  @JsonSubTypes.Type(value = ShardStage.CurateShards.class, name = "curateShards"),
  @JsonSubTypes.Type(value = ShardStage.DedupKeys.class, name = "dedupKeys"),
  @JsonSubTypes.Type(value = ShardStage.NearDuplicateBuckets.class, name = "nearDuplicateBuckets"),
  @JsonSubTypes.Type(value = ShardStage.ExactDuplicatePartitions.class, name = "exactDuplicatePartitions"),
  @JsonSubTypes.Type(value = ShardStage.FilterShards.class, name = "filterShards"),
  @JsonSubTypes.Type(value = ShardStage.TokenizeShards.class, name = "tokenizeShards"),
})
public sealed interface ShardStage {

  /** Short name for workflow ids and details: {@code curate}, {@code dedup-keys}, ... */
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

  /**
   * A per-index task of the partitioned global stage (see {@link CurationActivities}): the task's request is the
   * stage's {@link GlobalStageRequest} with the index, and it counts as one done shard (band group, partition) in the
   * tally, with {@code documentsKept} what the task says it kept ({@code 0} where it keeps none).
   */
  private static Promise<ShardTally> globalTask(
      GlobalStageRequest base, int index, String summary, GlobalTask task, boolean countsKept) {
    CurationActivities activities = ActivitySummaries.stub(CurationActivities.class, ActivityPolicies.DATA_WORK, summary);
    GlobalStageRequest request = base.withIndex(index);
    return Async.function(() -> task.run(activities, request))
        .thenApply(result -> new ShardTally(1, countsKept ? result : 0, List.of()));
  }

  /** One of {@link CurationActivities}' per-index global-stage methods. */
  @FunctionalInterface
  interface GlobalTask {
    long run(CurationActivities activities, GlobalStageRequest request);
  }

  /** {@link CurationActivities#writeDedupKeys}, per curated shard. */
  record DedupKeys(GlobalStageRequest base) implements ShardStage {
    @Override
    public String label() {
      return "dedup-keys";
    }

    @Override
    public Promise<ShardTally> start(int shard, int shards) {
      return globalTask(base, shard, "dedup keys " + (shard + 1) + "/" + shards, CurationActivities::writeDedupKeys, false);
    }
  }

  /** {@link CurationActivities#findNearDuplicatePairs}, per band group. */
  record NearDuplicateBuckets(GlobalStageRequest base) implements ShardStage {
    @Override
    public String label() {
      return "near-dup";
    }

    @Override
    public Promise<ShardTally> start(int group, int groups) {
      return globalTask(base, group, "near-dup buckets " + (group + 1) + "/" + groups, CurationActivities::findNearDuplicatePairs, false);
    }
  }

  /** {@link CurationActivities#findExactDuplicates}, per hash partition. */
  record ExactDuplicatePartitions(GlobalStageRequest base) implements ShardStage {
    @Override
    public String label() {
      return "exact-dup";
    }

    @Override
    public Promise<ShardTally> start(int partition, int partitions) {
      return globalTask(base, partition, "exact-dup partitions " + (partition + 1) + "/" + partitions,
          CurationActivities::findExactDuplicates, false);
    }
  }

  /** {@link CurationActivities#filterShard}, per curated shard; tallies the documents kept. */
  record FilterShards(GlobalStageRequest base) implements ShardStage {
    @Override
    public String label() {
      return "filter";
    }

    @Override
    public Promise<ShardTally> start(int shard, int shards) {
      return globalTask(base, shard, "filter " + (shard + 1) + "/" + shards, CurationActivities::filterShard, true);
    }
  }

  /** {@link CurationActivities#tokenizeShard}, per curated shard, with the run's tokenizer in {@code base}. */
  record TokenizeShards(GlobalStageRequest base) implements ShardStage {
    @Override
    public String label() {
      return "tokenize";
    }

    @Override
    public Promise<ShardTally> start(int shard, int shards) {
      return globalTask(base, shard, "tokenize " + (shard + 1) + "/" + shards, CurationActivities::tokenizeShard, false);
    }
  }
}
