package dev.kiln.activities.training;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The process-wide lock every section that collects gradients or seeds the engine takes. Two things in DJL's
 * PyTorch engine are global to the JVM, not per model or per thread:
 *
 * <ul>
 *   <li>the gradient collector: {@code PtGradientCollector} keeps a static "is collecting" flag, and a second
 *       one opened while another collects throws "A PtGradientCollector is already collecting. Only one can be
 *       collecting at a time" (after it has already switched autograd on for its thread, which it then never
 *       switches off);
 *   <li>the random seed: {@code Engine.setRandomSeed} calls {@code torch::manual_seed}, which reseeds libtorch's
 *       default generators (CPU and every GPU) that dropout draws from, and DJL's own {@code RandomUtils}.
 * </ul>
 *
 * A worker with {@code --gpu-slots} above 1 runs several training segments in one JVM, and the evaluation of an
 * encoder that opts into {@code evaluation.compareWithDecoder} trains a comparison decoder in the evaluating JVM.
 * So {@link Trainer#trainStep} takes this lock for a whole step (seed, forward, backward, update). A step draws all
 * its randomness from the generator state its own seed set, so holding it per step is enough for every run to
 * train bitwise as it would alone, and two runs on one worker take turns step by step. The lock is fair: a waiting
 * step goes next, neither run starves.
 */
public final class TrainingEngine {
  /** How often a waiting section calls its {@code whileWaiting} (e.g. to heartbeat). */
  static final Duration WAIT_TICK = Duration.ofMillis(500);

  private static final ReentrantLock LOCK = new ReentrantLock(true);
  private static final AtomicLong CONTENDED = new AtomicLong();

  private TrainingEngine() {}

  /**
   * Runs {@code section} holding the engine; while another section holds it, calls {@code whileWaiting} every
   * {@link #WAIT_TICK} (not at all if the engine is free or freed within the first tick).
   *
   * @throws IllegalStateException if the thread is interrupted while it waits (its interrupt flag is set again)
   */
  public static <T> T exclusive(Runnable whileWaiting, Supplier<T> section) {
    acquire(whileWaiting);
    try {
      return section.get();
    } finally {
      LOCK.unlock();
    }
  }

  /** How many times a section found the engine held by another thread and waited for it (for tests and metrics). */
  public static long contended() {
    return CONTENDED.get();
  }

  private static void acquire(Runnable whileWaiting) {
    if (LOCK.isHeldByCurrentThread()) {
      LOCK.lock(); // reentrant: e.g. warm-up inside a held section
      return;
    }
    try {
      // tryLock with a timeout honours fairness (the untimed tryLock would barge ahead of waiting threads).
      if (LOCK.tryLock(0, TimeUnit.MILLISECONDS)) {
        return;
      }
      CONTENDED.incrementAndGet();
      while (!LOCK.tryLock(WAIT_TICK.toMillis(), TimeUnit.MILLISECONDS)) {
        whileWaiting.run();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the training engine", e);
    }
  }
}
