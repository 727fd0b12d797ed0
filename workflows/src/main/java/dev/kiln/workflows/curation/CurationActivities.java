package dev.kiln.workflows.curation;

import io.temporal.activity.ActivityInterface;
import dev.kiln.workflows.spec.RunSpec;

/** Stage 3's work, split so that shards fan out over any number of workers. */
@ActivityInterface
public interface CurationActivities {
  /** Lists the raw objects and writes which shard reads which; fails non-retryably on a missing prefix. */
  ShardPlan planShards(PlanRequest request);

  /** Extracts, filters and scrubs one shard; idempotent (a shard already written is read back, not redone). */
  ShardResult curateShard(ShardRequest request);

  /** Dedups across shards, splits held-out, trains or loads the tokenizer, tokenizes and packs. */
  CurationResult finalizeCuration(FinalizeRequest request);

  record PlanRequest(String runId, RunSpec spec) {}
}
