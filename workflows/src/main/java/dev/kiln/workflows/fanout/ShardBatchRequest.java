package dev.kiln.workflows.fanout;

/**
 * One batch child's work: shards {@code [from, to)} of {@code shards}, of which {@code [from, next)} are done and add
 * up to {@code done} (a run that continued as new carries them; a fresh batch has {@code next == from} and
 * {@link ShardTally#NONE}).
 */
public record ShardBatchRequest(
    ShardStage stage, int from, int to, int shards, int inFlight, int shardsPerRun, int next, ShardTally done) {

  /** A fresh batch of {@code [from, to)}. */
  public static ShardBatchRequest of(ShardStage stage, int from, int to, int shards, FanOutSettings settings) {
    return new ShardBatchRequest(stage, from, to, shards, settings.shardsInFlightPerBatch(), settings.shardsPerBatchRun(),
        from, ShardTally.NONE);
  }

  /** This batch continued from shard {@code next}, with what is done so far. */
  public ShardBatchRequest continuedAt(int nextShard, ShardTally doneSoFar) {
    return new ShardBatchRequest(stage, from, to, shards, inFlight, shardsPerRun, nextShard, doneSoFar);
  }
}
