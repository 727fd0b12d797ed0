package dev.kiln.activities.training;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Heartbeats once a second from a background thread while an activity sets up (loads data, the engine, a
 * checkpoint), which can take longer than a short heartbeat timeout. It dies with the process, so a dead worker is
 * still noticed; it stops when setup is done and the activity's own loop takes over.
 */
final class SetupHeartbeats implements AutoCloseable {
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "kiln-setup-heartbeat");
    thread.setDaemon(true);
    return thread;
  });

  SetupHeartbeats(ActivityExecutionContext context, Supplier<Object> details) {
    timer.scheduleAtFixedRate(() -> {
      try {
        context.heartbeat(details.get());
      } catch (ActivityCompletionException | IllegalStateException stop) {
        timer.shutdown(); // cancelled or timed out: the activity finds out at its first own heartbeat
      }
    }, 0, 1, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
