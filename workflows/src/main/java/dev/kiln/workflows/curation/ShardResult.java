package dev.kiln.workflows.curation;

import java.util.List;

/** One shard curated: its kept documents are at {@code outputKey}; the stats are per step, in order. */
public record ShardResult(int shard, String outputKey, long documentsKept, List<StepStats> steps) {}
