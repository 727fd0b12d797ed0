package dev.kiln.activities.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import java.util.HashMap;
import java.util.Map;

/**
 * T5's relative position bias (Raffel et al. 2020, section 2.1): a learned scalar per head and per bucket of the
 * distance {@code key - query}, added to the attention scores. Small distances get a bucket each, larger ones share
 * logarithmically wider buckets up to {@code maxDistance}, beyond which they all fall in the last. The encoder's
 * buckets tell before from after (half of them each); the decoder's see only the past. One table per stack, in its
 * first block, serves every block of the stack.
 *
 * <p>The buckets are computed with the same float32 tensor operations as transformers' {@code
 * _relative_position_bucket} (a log of a float32 ratio, truncated), on the CPU, so that a distance on the edge of two
 * buckets lands where it lands there. They depend on the lengths only, so they are cached per (queries, keys).
 */
final class T5RelativePositions {
  private final Parameter table; // [buckets, heads]
  private final boolean bidirectional;
  private final int buckets;
  private final int maxDistance;
  private final NDManager cacheManager;
  private final Map<Long, NDArray> bucketIds = new HashMap<>();

  /** @param cacheManager the model's manager, which keeps the cached bucket ids on the model's device */
  T5RelativePositions(Parameter table, boolean bidirectional, int buckets, int maxDistance, NDManager cacheManager) {
    this.table = table;
    this.bidirectional = bidirectional;
    this.buckets = buckets;
    this.maxDistance = maxDistance;
    this.cacheManager = cacheManager;
  }

  /** The bias [1, heads, queries, keys] to add to the scores. */
  NDArray bias(long queries, long keys) {
    NDArray ids = bucketIds.computeIfAbsent(queries << 32 | keys, k -> bucketIds(queries, keys));
    NDArray values = Embedding.embedding(ids, table.value(), SparseFormat.DENSE).singletonOrThrow(); // [q, k, heads]
    return values.transpose(2, 0, 1).expandDims(0);
  }

  /** The bucket of each (query, key) pair [queries, keys] (INT64), in the cache manager. */
  NDArray bucketIds(long queries, long keys) {
    try (NDManager cpu = NDManager.newBaseManager(Device.cpu())) {
      NDArray context = cpu.arange(0L, queries, 1L, DataType.INT64).reshape(queries, 1);
      NDArray memory = cpu.arange(0L, keys, 1L, DataType.INT64).reshape(1, keys);
      long[] ids = bucket(memory.sub(context)).toLongArray();
      return cacheManager.create(ids, new Shape(queries, keys));
    }
  }

  /** transformers' {@code _relative_position_bucket} of distances {@code key - query} [q, k] (INT64). */
  private NDArray bucket(NDArray relative) {
    int n = buckets;
    NDArray result = relative.zerosLike();
    if (bidirectional) {
      n /= 2;
      result = result.add(relative.gt(0).toType(DataType.INT64, false).mul(n));
      relative = relative.abs();
    } else {
      relative = relative.minimum(0).neg();
    }
    int maxExact = n / 2;
    NDArray isSmall = relative.lt(maxExact);
    NDArray large = relative.toType(DataType.FLOAT32, false)
        .div(maxExact)
        .log()
        .div(Math.log((double) maxDistance / maxExact))
        .mul(n - maxExact)
        .toType(DataType.INT64, false)
        .add(maxExact)
        .minimum(n - 1);
    return result.add(NDArrays.where(isSmall, relative, large));
  }
}
