package dev.kiln.bench.curation;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live heap of a worker JVM while each kind of activity runs: a sampler thread collects garbage every
 * {@code period} and reads the heap in use, which is then what the running activities hold (plus the process's
 * baseline, sampled while none runs). A collection forced on a timer misses spikes shorter than the period, and
 * the samples slow the activities down a little; run the worker with one activity slot, so that each sample
 * belongs to one activity.
 */
final class ActivityHeapSampler extends WorkerInterceptorBase implements AutoCloseable {

  /** Per activity type: how many ran, the largest live heap seen while one ran, and the time they took. */
  record Kind(int executions, long peakLiveBytes, long nanos) {
    Kind plus(Kind other) {
      return new Kind(executions + other.executions, Math.max(peakLiveBytes, other.peakLiveBytes), nanos + other.nanos);
    }
  }

  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final Map<String, Integer> running = new ConcurrentHashMap<>();
  private final Map<String, Kind> kinds = new ConcurrentHashMap<>();
  private final Thread sampler;
  private volatile long baselineBytes = Long.MAX_VALUE;
  private volatile boolean stopped;

  ActivityHeapSampler(long periodMillis) {
    sampler = new Thread(() -> {
      while (!stopped) {
        sample();
        try {
          Thread.sleep(periodMillis);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "activity-heap-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  private void sample() {
    System.gc();
    long live = memory.getHeapMemoryUsage().getUsed();
    if (running.isEmpty()) {
      baselineBytes = Math.min(baselineBytes, live);
    }
    running.keySet().forEach(type -> kinds.merge(type, new Kind(0, live, 0), Kind::plus));
  }

  /** The kinds seen so far, by activity type; {@link #reset} starts a new measurement. */
  Map<String, Kind> kinds() {
    return new TreeMap<>(kinds);
  }

  long baselineBytes() {
    return baselineBytes == Long.MAX_VALUE ? 0 : baselineBytes;
  }

  void reset() {
    kinds.clear();
    baselineBytes = Long.MAX_VALUE;
  }

  @Override
  public ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
    return new ActivityInboundCallsInterceptorBase(next) {
      private String type;

      @Override
      public void init(ActivityExecutionContext context) {
        type = context.getInfo().getActivityType();
        super.init(context);
      }

      @Override
      public ActivityOutput execute(ActivityInput input) {
        long start = System.nanoTime();
        running.merge(type, 1, Integer::sum);
        try {
          return super.execute(input);
        } finally {
          running.computeIfPresent(type, (t, n) -> n == 1 ? null : n - 1);
          kinds.merge(type, new Kind(1, 0, System.nanoTime() - start), Kind::plus);
        }
      }
    };
  }

  @Override
  public void close() {
    stopped = true;
    sampler.interrupt();
  }
}
