package dev.kiln.workflows.curation;

import io.temporal.activity.ActivityInterface;
import dev.kiln.workflows.spec.RunSpec;

/** Stage 3's work, split so that shards fan out over any number of workers. */
@ActivityInterface
public interface CurationActivities {
  /**
   * Lists the raw objects (or reads the run's {@link RawSelection} when it has one) and writes which shard reads
   * which; fails non-retryably on a missing prefix.
   */
  ShardPlan planShards(PlanRequest request);

  /**
   * For a run with {@code data.onlyNew}: lists the raw objects under the spec's prefixes, leaves out those that
   * earlier completed runs of the lineage consumed (see {@link #recordConsumed}), and writes the rest as the run's
   * selection. When none is new: selects nothing ({@code whenNothingNew: skip}) or every object ({@code all}).
   */
  RawSelection selectRaw(SelectRawRequest request);

  /**
   * Records, under the lineage's prefix in the bucket, the raw objects a run consumed. Called once the run has
   * completed (model evaluated and published), so a failed run consumes nothing. Idempotent.
   */
  void recordConsumed(RecordConsumedRequest request);

  /** Extracts, filters and scrubs one shard; idempotent (a shard already written is read back, not redone). */
  ShardResult curateShard(ShardRequest request);

  /** Dedups across shards, splits held-out, trains or loads the tokenizer, tokenizes and packs. */
  CurationResult finalizeCuration(FinalizeRequest request);

  // The partitioned global stage (DataTrove's MinHash layout), in the order the workflow calls it. Each task streams
  // its inputs and outputs under runs/<run>/curated/global/ and holds memory independent of the corpus size; every
  // output is a pure function of its inputs, so a retried task rewrites the same bytes. See docs/curation.md.

  /** Per shard: writes the shard's band keys per band group, and its exact and URL keys per partition, each sorted. */
  long writeDedupKeys(GlobalStageRequest request);

  /** Per band group: k-way merges every shard's sorted band keys and writes candidate duplicate pairs. */
  long findNearDuplicatePairs(GlobalStageRequest request);

  /** Per partition: merges every shard's sorted exact (and URL) keys and writes the later copies of each key. */
  long findExactDuplicates(GlobalStageRequest request);

  /** Once: union-find over the pairs (memory ~ duplicates), then per-shard lists of documents to remove. */
  long clusterDuplicates(GlobalStageRequest request);

  /** Per shard: writes the shard's deduplicated documents and its dedup stats; returns the documents kept. */
  long filterShard(GlobalStageRequest request);

  /**
   * Once: merges the funnel from the per-shard stats files (streaming), writes the report, fails when nothing was
   * kept, and fixes the held-out split when one side would be empty.
   */
  GlobalSummary summarizeGlobalStage(GlobalStageRequest request);

  /** Once, when the run trains its tokenizer: trains it on a bounded, deterministic sample; returns its key. */
  String trainTokenizerOnSample(GlobalStageRequest request);

  /** Per shard: tokenizes and packs the shard's documents; returns its training tokens. */
  long tokenizeShard(GlobalStageRequest request);

  /** Once: merges the shards' token lists into manifest.json, writes stats.json and returns the result. */
  CurationResult mergeManifest(GlobalStageRequest request);

  /**
   * {@link #finalizeCuration} of shards {@code 0 .. shards - 1} curated in batches: reads each shard's result from its
   * stats file ({@code curateShard} writes it last), failing non-retryably when one is missing.
   */
  CurationResult finalizeCurationFromStats(FinalizeShardsRequest request);

  /** @param rawSelectionKey the run's {@link RawSelection#key()}, or null to curate everything under the prefixes */
  record PlanRequest(String runId, RunSpec spec, String rawSelectionKey) {}

  /** @param lineage the runs that share consumed raw data: the spec's name */
  record SelectRawRequest(String lineage, String runId, RunSpec spec) {}

  record RecordConsumedRequest(String lineage, String runId, String rawSelectionKey) {}
}
