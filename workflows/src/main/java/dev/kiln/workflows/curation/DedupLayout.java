package dev.kiln.workflows.curation;

import dev.kiln.workflows.spec.CurationProfile;

/**
 * How the partitioned global stage cuts its work, fixed once per run so every activity agrees on which object
 * holds what (keys follow from these numbers and a shard, band group or partition index; no lists travel).
 *
 * @param shards curated shards, numbered 0..shards-1 in global order
 * @param bandGroups MinHash bucket tasks: band {@code b} belongs to group {@code b % bandGroups}
 * @param partitions exact and URL dedup partitions: a key belongs to partition {@code hash(key) % partitions}
 */
public record DedupLayout(int shards, int bandGroups, int partitions) {

  /** Shards per exact/URL partition the layout aims for; each partition task merges that many sorted runs per 16. */
  static final int SHARDS_PER_PARTITION = 16;
  static final int MAX_PARTITIONS = 256;

  public DedupLayout {
    if (shards < 0 || bandGroups < 1 || partitions < 1) {
      throw new IllegalArgumentException("layout of " + shards + " shards, " + bandGroups + " band groups, " + partitions
          + " partitions: shards must be >= 0, band groups and partitions >= 1");
    }
  }

  /** One bucket task per band (as DataTrove's MinHash), and one partition per 16 shards, at most 256. */
  public static DedupLayout of(int shards, CurationProfile profile) {
    int partitions = Math.min(MAX_PARTITIONS, Math.max(1, (shards + SHARDS_PER_PARTITION - 1) / SHARDS_PER_PARTITION));
    return new DedupLayout(shards, profile.nearDedup().bands(), partitions);
  }
}
