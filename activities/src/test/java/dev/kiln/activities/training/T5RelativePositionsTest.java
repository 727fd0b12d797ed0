package dev.kiln.activities.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

/** T5's buckets for its released settings (32 buckets, max distance 128), against the formula in exact arithmetic. */
class T5RelativePositionsTest {
  private static final int LENGTH = 300;

  @Test
  void encoderBucketsTellBeforeFromAfterAndSaturate() {
    long[] ids = buckets(true);
    for (int query = 0; query < LENGTH; query++) {
      for (int key = 0; key < LENGTH; key++) {
        int relative = key - query;
        Integer within = bucketOfDistance(Math.abs(relative), 16);
        expect(within == null ? null : (relative > 0 ? 16 : 0) + within, ids[query * LENGTH + key], relative);
      }
    }
    assertEquals(16 + 15, ids[LENGTH - 1], "keys 299 after the query share the last bucket of the second half");
    assertEquals(15, ids[(LENGTH - 1) * LENGTH], "keys 299 before share the last bucket of the first half");
  }

  @Test
  void decoderBucketsSeeOnlyThePast() {
    long[] ids = buckets(false);
    for (int query = 0; query < LENGTH; query++) {
      for (int key = 0; key < LENGTH; key++) {
        int relative = key - query;
        expect(relative > 0 ? Integer.valueOf(0) : bucketOfDistance(-relative, 32), ids[query * LENGTH + key], relative);
      }
    }
  }

  /**
   * transformers' formula for a distance {@code n >= 0} with {@code buckets} buckets, in double precision; null where
   * the real value is within 1e-4 of a bucket edge, where the float32 computation decides (and this test does not).
   */
  private static Integer bucketOfDistance(int n, int buckets) {
    int maxExact = buckets / 2;
    if (n < maxExact) {
      return n;
    }
    double large = Math.log((double) n / maxExact) / Math.log(128.0 / maxExact) * (buckets - maxExact);
    if (Math.abs(large - Math.rint(large)) < 1e-4) {
      return null;
    }
    return Math.min(maxExact + (int) large, buckets - 1);
  }

  private static void expect(Integer expected, long actual, int relative) {
    if (expected != null) {
      assertEquals((long) expected, actual, "relative position " + relative);
    }
  }

  private static long[] buckets(boolean bidirectional) {
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      T5RelativePositions positions = new T5RelativePositions(null, bidirectional, 32, 128, manager);
      long[] ids = positions.bucketIds(LENGTH, LENGTH).toLongArray();
      for (long id : ids) {
        assertTrue(id >= 0 && id < 32, "bucket " + id);
      }
      return ids;
    }
  }
}
