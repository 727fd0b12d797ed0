package dev.kiln.workflows.fanout;

import java.util.List;

/**
 * How a batched fan-out splits its shards and bounds its histories. A run keeps the settings it started with (they
 * travel in its continue-as-new state), so changing the defaults changes no running workflow's decisions.
 *
 * <p>Events per history, which Temporal caps at 51,200 (and suggests continuing as new well before): an activity
 * costs 3 (scheduled, started, completed) and a workflow task 3, at most one task per completion, so a batch
 * child's run costs at most about 6 x {@link #shardsPerBatchRun} + a few; a child workflow costs the parent 3
 * (initiated, started, completed) plus at most two workflow tasks, so a parent run costs at most about
 * 9 x {@link #batchesPerRun} + a few.
 *
 * @param directUpTo corpora of at most this many shards run one activity per shard from the curation workflow itself
 *     (the path every run took before batching; a few thousand events), larger ones through batch children
 * @param shardsPerBatch shards per batch child, {@code [from, from + shardsPerBatch)}
 * @param batchesInFlight batch children running at once
 * @param shardsInFlightPerBatch activities a batch child has running at once
 * @param shardsPerBatchRun shards a batch child starts before it continues as new (sooner when Temporal suggests it)
 * @param batchesPerRun batch children the parent starts before it continues as new (sooner when Temporal suggests it)
 */
public record FanOutSettings(
    int directUpTo, int shardsPerBatch, int batchesInFlight, int shardsInFlightPerBatch, int shardsPerBatchRun, int batchesPerRun) {

  /**
   * Curation's: up to 256 shards directly; beyond, batches of 256 shards, 32 batches of 32 shards in flight (1,024
   * shards at once over the whole fan-out, enough for a fleet of that many worker slots; a smaller fleet just leaves
   * tasks queued), a child run per 512 shards (about 3,100 events at most) and a parent run per 400 batches (about
   * 3,600 events: a whole Common Crawl snapshot of ~90,000 shards, 352 batches, in one parent run).
   */
  public static final FanOutSettings CURATION = new FanOutSettings(256, 256, 32, 32, 512, 400);

  public FanOutSettings {
    if (directUpTo < 0 || shardsPerBatch < 1 || batchesInFlight < 1 || shardsInFlightPerBatch < 1 || shardsPerBatchRun < 1
        || batchesPerRun < 1) {
      throw new IllegalArgumentException("fan-out settings must be positive (directUpTo at least 0): " + List.of(
          directUpTo, shardsPerBatch, batchesInFlight, shardsInFlightPerBatch, shardsPerBatchRun, batchesPerRun));
    }
  }

  /** Whether {@code shards} go through batch children rather than one activity each from the parent. */
  public boolean batches(int shards) {
    return shards > directUpTo;
  }
}
