package dev.kiln.activities.curation;

import dev.kiln.workflows.curation.StepStats;
import dev.kiln.workflows.spec.CurationProfile;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The dedup steps that need every shard: exact duplicates first (cheap and certain), then MinHash-LSH near
 * duplicates. Documents are offered in the global order (shard by shard, documents in shard order), the
 * same order in which their signatures went into the {@link MinHashDeduplicator}. Not thread-safe.
 */
public final class GlobalDeduplication {

  private final ExactDeduplicator exact;
  private final BitSet nearDuplicates;
  private final long tokensIn;
  private final ToIntFunction<String> tokenCounter;
  private int index;
  private final long clusteringNanos;
  private long nearIn;
  private long nearDropped;
  private long nearTokensDropped;

  /**
   * @param nearDuplicates indices, in global order, of the documents MinHash found to be near copies of an
   *     earlier one
   * @param clusteringNanos time spent banding and clustering the signatures, reported as the near dedup's
   * @param tokensIn reference tokens of all documents offered (the shards' kept tokens)
   */
  public GlobalDeduplication(CurationProfile profile, BitSet nearDuplicates, long clusteringNanos, long tokensIn,
      ToIntFunction<String> tokenCounter) {
    this.exact = profile.exactDedup() ? new ExactDeduplicator(tokenCounter) : null;
    this.nearDuplicates = nearDuplicates;
    this.clusteringNanos = clusteringNanos;
    this.tokensIn = tokensIn;
    this.tokenCounter = tokenCounter;
  }

  /**
   * Whether the next document in global order is kept. An exact copy is also in its original's near-dup
   * cluster, whose first member is the original, so the two steps never disagree on which copy survives.
   */
  public boolean keep(Document doc) {
    int at = index++;
    if (exact != null && !exact.offer(doc)) {
      return false;
    }
    nearIn++;
    boolean duplicate = nearDuplicates.get(at);
    if (duplicate) {
      nearDropped++;
      nearTokensDropped += tokenCounter.applyAsInt(doc.text());
    }
    return !duplicate;
  }

  public List<StepStats> stats() {
    List<StepStats> stats = new ArrayList<>();
    long tokensBeforeNear = tokensIn;
    if (exact != null) {
      StepStats exactStats = exact.stats();
      stats.add(exactStats);
      tokensBeforeNear = exactStats.tokensKept();
    }
    Map<String, Long> reasons = nearDropped == 0 ? Map.of() : Map.of(MinHashDeduplicator.NEAR_DUPLICATE, nearDropped);
    stats.add(new StepStats(MinHashDeduplicator.NAME, nearIn, nearIn - nearDropped, tokensBeforeNear,
        tokensBeforeNear - nearTokensDropped, reasons, clusteringNanos));
    return stats;
  }
}
