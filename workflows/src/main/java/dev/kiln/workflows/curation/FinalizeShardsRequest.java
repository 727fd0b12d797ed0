package dev.kiln.workflows.curation;

import dev.kiln.workflows.spec.RunSpec;

/**
 * {@link FinalizeRequest} for a corpus curated in batches: the shards are {@code 0 .. shards - 1}, each found by key
 * convention (its {@code .stats.json} holds its {@link ShardResult}), so no list of them crosses a workflow boundary.
 */
public record FinalizeShardsRequest(String runId, RunSpec spec, String tokenizerKey, int shards) {}
