package dev.kiln.workflows.fanout;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.kiln.workflows.ActivityPolicies;
import dev.kiln.workflows.ActivitySummaries;
import dev.kiln.workflows.curation.CurationActivities;
import dev.kiln.workflows.curation.GlobalStageRequest;
import dev.kiln.workflows.curation.GlobalStep;
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
  @JsonSubTypes.Type(value = ShardStage.GlobalStepTasks.class, name = "globalStep"),
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
   * A per-index step of the partitioned global stage ({@link GlobalStep}; see {@link CurationActivities}): each task's
   * request is {@code base} with the task's index (shard, band group or partition), and it counts as one done task in
   * the tally, with the filter's kept documents as {@code documentsKept}.
   */
  record GlobalStepTasks(GlobalStep step, GlobalStageRequest base) implements ShardStage {
    public GlobalStepTasks {
      if (step.single()) {
        throw new IllegalArgumentException(step + " is a single task, not a fan-out");
      }
    }

    @Override
    public String label() {
      return switch (step) {
        case DEDUP_KEYS -> "dedup-keys";
        case NEAR_DUPLICATE_BUCKETS -> "near-dup";
        case EXACT_DUPLICATE_PARTITIONS -> "exact-dup";
        case FILTER -> "filter";
        default -> "tokenize";
      };
    }

    @Override
    public Promise<ShardTally> start(int index, int count) {
      CurationActivities activities = ActivitySummaries.stub(CurationActivities.class, ActivityPolicies.DATA_WORK,
          label() + " " + (index + 1) + "/" + count);
      GlobalStageRequest request = base.withIndex(index);
      Promise<Long> done = switch (step) {
        case DEDUP_KEYS -> Async.function(activities::writeDedupKeys, request);
        case NEAR_DUPLICATE_BUCKETS -> Async.function(activities::findNearDuplicatePairs, request);
        case EXACT_DUPLICATE_PARTITIONS -> Async.function(activities::findExactDuplicates, request);
        case FILTER -> Async.function(activities::filterShard, request);
        default -> Async.function(activities::tokenizeShard, request);
      };
      return done.thenApply(result -> new ShardTally(1, step == GlobalStep.FILTER ? result : 0, List.of()));
    }
  }
}
