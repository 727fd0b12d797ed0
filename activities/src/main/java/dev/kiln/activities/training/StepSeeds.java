package dev.kiln.activities.training;

/**
 * Derives the random seeds of one training step from the run seed and the global step, so that data
 * order and dropout replay exactly after a resume. Each use gets its own stream: the same (seed, step)
 * must not give correlated data offsets and dropout masks.
 */
final class StepSeeds {

  private static final long DATA_STREAM = 0x44415441L; // "DATA"
  private static final long DROPOUT_STREAM = 0x44524f50L; // "DROP"
  private static final long CORRUPTION_STREAM = 0x4d41534bL; // "MASK"

  private StepSeeds() {}

  static long forData(long seed, int step) {
    return mix(seed, step, DATA_STREAM);
  }

  /** Which tokens MLM masks and which spans span corruption drops. */
  static long forCorruption(long seed, int step) {
    return mix(seed, step, CORRUPTION_STREAM);
  }

  /** The engine takes an int seed. */
  static int forDropout(long seed, int step) {
    return (int) mix(seed, step, DROPOUT_STREAM);
  }

  private static long mix(long seed, int step, long stream) {
    return murmurFinalizer(seed ^ murmurFinalizer(stream ^ murmurFinalizer(step + 0x9E3779B97F4A7C15L)));
  }

  /** MurmurHash3's 64-bit finalizer: every input bit flips each output bit with probability ~1/2. */
  private static long murmurFinalizer(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}
