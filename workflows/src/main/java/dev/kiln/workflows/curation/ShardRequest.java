package dev.kiln.workflows.curation;

import dev.kiln.workflows.spec.RunSpec;

public record ShardRequest(String runId, RunSpec spec, String planKey, int shard, int shards) {}
