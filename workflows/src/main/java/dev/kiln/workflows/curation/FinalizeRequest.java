package dev.kiln.workflows.curation;

import dev.kiln.workflows.spec.RunSpec;
import java.util.List;

/** Global steps after the shards: dedup across shards, held-out split, tokenizer, packing. */
public record FinalizeRequest(
    String runId, RunSpec spec, String tokenizerKey, List<ShardResult> shards) {}
