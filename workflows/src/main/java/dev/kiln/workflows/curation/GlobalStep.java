package dev.kiln.workflows.curation;

/**
 * The steps of the partitioned global stage in the order a batched curation runs them (see
 * {@link CurationActivities}); its progress across continue-as-new names one. Names are persisted in histories: add,
 * never rename.
 */
public enum GlobalStep {
  /** Per shard: {@link CurationActivities#writeDedupKeys}. */
  DEDUP_KEYS,
  /** Per band group: {@link CurationActivities#findNearDuplicatePairs}. */
  NEAR_DUPLICATE_BUCKETS,
  /** Per partition, when the profile dedups exactly or by URL: {@link CurationActivities#findExactDuplicates}. */
  EXACT_DUPLICATE_PARTITIONS,
  /** Once: {@link CurationActivities#clusterDuplicates}. */
  CLUSTER,
  /** Per shard: {@link CurationActivities#filterShard}. */
  FILTER,
  /** Once: {@link CurationActivities#summarizeGlobalStage}, then the tokenizer sample when the run trains one. */
  SUMMARIZE,
  /** Per shard: {@link CurationActivities#tokenizeShard}. */
  TOKENIZE,
  /** Once: {@link CurationActivities#mergeManifest}. */
  MERGE;

  /** Whether this step is one task run from the curation workflow rather than a fan-out. */
  public boolean single() {
    return this == CLUSTER || this == SUMMARIZE || this == MERGE;
  }

  /** The step after this one. */
  GlobalStep next() {
    return values()[ordinal() + 1];
  }
}
