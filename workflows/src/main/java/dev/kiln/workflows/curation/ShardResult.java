package dev.kiln.workflows.curation;

import java.util.List;

/**
 * One shard curated: its kept documents are at {@code outputKey}, their MinHash signatures (same order) at
 * {@code signaturesKey}, examples of dropped documents at {@code droppedExamplesKey}; the stats are per step,
 * in order.
 */
public record ShardResult(
    int shard, String outputKey, String signaturesKey, String droppedExamplesKey, long documentsKept, List<StepStats> steps) {}
