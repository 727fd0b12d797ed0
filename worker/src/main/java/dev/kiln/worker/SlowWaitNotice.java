package dev.kiln.worker;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Says on the terminal what a command waits for once the wait gets long, e.g.
 * {@code kiln: waiting for S3 at http://host:9000 (up to 15 s)...}; silent if the call returns first.
 */
public final class SlowWaitNotice implements AutoCloseable {
  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "kiln-wait-notice");
    t.setDaemon(true);
    return t;
  });

  private final ScheduledFuture<?> notice;

  private SlowWaitNotice(ScheduledFuture<?> notice) {
    this.notice = notice;
  }

  /** Prints {@code "kiln: waiting for " + what + "..."} on {@code out} if not closed within {@code after}. */
  public static SlowWaitNotice after(Duration after, String what, PrintStream out) {
    return new SlowWaitNotice(TIMER.schedule(() -> {
      out.println("kiln: waiting for " + what + "...");
      out.flush();
    }, after.toMillis(), TimeUnit.MILLISECONDS));
  }

  @Override
  public void close() {
    notice.cancel(false);
  }
}
