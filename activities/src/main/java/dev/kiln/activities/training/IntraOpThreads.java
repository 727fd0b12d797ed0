package dev.kiln.activities.training;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Pins libtorch's intra-op thread count, as PyTorch's {@code torch.set_num_threads} does, so that results do not
 * depend on the machine's load. libtorch starts with as many threads as cores but leaves MKL's dynamic threading on,
 * under which MKL may run a matrix product on fewer threads than asked when the machine is busy, and a product whose
 * sum is split across threads then adds in another order: on the bench, one run in a few trained to different bits
 * from step 1 on. {@code set_num_threads} also switches MKL's dynamic threading off. The count stays libtorch's
 * (OMP_NUM_THREADS, or the cores).
 */
final class IntraOpThreads {
  private static boolean pinned;

  private IntraOpThreads() {}

  static synchronized void pin() {
    if (!pinned) {
      Engine.getInstance(); // loads libtorch
      JniUtils.setNumThreads(JniUtils.getNumThreads());
      pinned = true;
    }
  }
}
