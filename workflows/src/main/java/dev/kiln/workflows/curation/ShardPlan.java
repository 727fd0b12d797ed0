package dev.kiln.workflows.curation;

/** Where the list of raw objects per shard was written, and how many shards there are. */
public record ShardPlan(String planKey, int shards, long rawObjects, long rawBytes) {}
