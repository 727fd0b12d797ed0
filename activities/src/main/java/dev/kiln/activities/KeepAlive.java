package dev.kiln.activities;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Heartbeats an activity from a side thread while its thread computes (a shard's filters, a tokenizer's
 * training), so that a short heartbeat timeout tells a dead worker apart from a busy one: when the worker's
 * process dies the heartbeats stop and the server retries the activity elsewhere after the timeout, not after
 * the start-to-close timeout of hours. A hung computation is still bounded by start-to-close. The SDK's heartbeat
 * is thread-safe (it takes a lock) and throttles what it sends to the server.
 */
public final class KeepAlive implements AutoCloseable {
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "kiln-keepalive");
    t.setDaemon(true);
    return t;
  });

  private KeepAlive(ActivityExecutionContext context, Duration first, Duration every, Supplier<?> details) {
    ticker.scheduleWithFixedDelay(() -> {
      try {
        context.heartbeat(details.get());
      } catch (ActivityCompletionException ended) {
        ticker.shutdown(); // canceled or timed out: the activity's own thread finds out at its next heartbeat
      }
    }, first.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Starts heartbeating {@code context} every {@code every} until closed. */
  public static KeepAlive start(ActivityExecutionContext context, Duration every) {
    return new KeepAlive(context, Duration.ZERO, every, () -> "alive");
  }

  /** Starts heartbeating {@code details} (e.g. progress a later attempt resumes from) every {@code every}. */
  public static KeepAlive start(ActivityExecutionContext context, Duration every, Supplier<?> details) {
    return new KeepAlive(context, Duration.ZERO, every, details);
  }

  /**
   * As {@link #start(ActivityExecutionContext, Duration, Supplier)}, the first heartbeat after {@code first}. The
   * SDK sends an activity's first heartbeat at once and throttles the later ones (to 0.8 x the heartbeat timeout):
   * leaving the first to the activity's own thread, if it gets there within {@code first}, sends what it has
   * then (e.g. that training has begun) without waiting out the throttle.
   */
  public static KeepAlive start(ActivityExecutionContext context, Duration first, Duration every, Supplier<?> details) {
    return new KeepAlive(context, first, every, details);
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    try {
      ticker.awaitTermination(5, TimeUnit.SECONDS); // no heartbeat of this one after the activity's own
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
