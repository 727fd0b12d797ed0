package dev.kiln.workflows.curation;

import dev.kiln.workflows.spec.RunSpec;

/**
 * One task of the partitioned global stage. Carries no per-shard lists: every input and output key follows from the
 * run id, the layout and {@code index} by convention, so a request stays the same size at 100,000 shards.
 *
 * @param tokenizerKey an existing tokenizer to reuse, or null when the run trains its own
 * @param index the shard, band group or partition this task works on; 0 for the single tasks
 */
public record GlobalStageRequest(String runId, RunSpec spec, String tokenizerKey, DedupLayout layout, int index) {

  public GlobalStageRequest withIndex(int newIndex) {
    return new GlobalStageRequest(runId, spec, tokenizerKey, layout, newIndex);
  }

  public GlobalStageRequest withTokenizer(String key) {
    return new GlobalStageRequest(runId, spec, key, layout, index);
  }
}
