package dev.kiln.workflows.fanout;

import dev.kiln.workflows.curation.ShardResult;
import dev.kiln.workflows.curation.StepStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run of shards adds up to, small whatever the number of shards: how many shards are done, the documents they
 * kept, and their per-step stats summed with {@link StepStats#plus} (steps in the order they first appear). This is
 * what crosses workflow boundaries in a batched fan-out instead of one result per shard; a shard's own outputs are
 * found by key convention from its index.
 */
public record ShardTally(int shards, long documentsKept, List<StepStats> steps) {
  /** Nothing done yet. */
  public static final ShardTally NONE = new ShardTally(0, 0, List.of());

  /** One curated shard. */
  public static ShardTally of(ShardResult shard) {
    return new ShardTally(1, shard.documentsKept(), shard.steps());
  }

  /** This and {@code other} together. */
  public ShardTally plus(ShardTally other) {
    Map<String, StepStats> merged = new LinkedHashMap<>();
    for (StepStats step : steps) {
      merged.merge(step.step(), step, StepStats::plus);
    }
    for (StepStats step : other.steps) {
      merged.merge(step.step(), step, StepStats::plus);
    }
    return new ShardTally(shards + other.shards, documentsKept + other.documentsKept, new ArrayList<>(merged.values()));
  }
}
