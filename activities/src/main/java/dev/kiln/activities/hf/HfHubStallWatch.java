package dev.kiln.activities.hf;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Cuts a body read that receives nothing for longer than the timeout. {@code java.net.http} bounds the wait for an
 * answer's headers but not for the bytes after them, so a connection that goes quiet mid-file (a dead peer with no
 * reset) would block a download for ever. On a stall this closes the body and interrupts the reading thread: the
 * body's blocked read wakes, sees the stream closed and throws, and the download resumes with {@code Range} like
 * after any other fault. (An interrupt alone is not enough: the JDK's body stream waits again after one.) The
 * interrupt it caused is cleared on {@link #close()}; writes go through a stream API that an interrupt does not
 * close.
 */
final class HfHubStallWatch implements AutoCloseable {
  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "hf-hub-stall-watch");
    t.setDaemon(true);
    return t;
  });

  private final Thread reader = Thread.currentThread();
  private final Closeable body;
  private final long timeoutNanos;
  private final ScheduledFuture<?> task;
  private volatile long lastProgress = System.nanoTime();
  private boolean active = true;
  private boolean fired;

  HfHubStallWatch(Duration timeout, Closeable body) {
    this.body = body;
    this.timeoutNanos = timeout.toNanos();
    long period = Math.max(10, timeout.toMillis() / 4);
    this.task = TIMER.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
  }

  /** Bytes arrived: the quiet period starts again. */
  void progress() {
    lastProgress = System.nanoTime();
  }

  /** Whether the read was cut for lack of bytes. */
  synchronized boolean fired() {
    return fired;
  }

  private synchronized void check() {
    if (active && !fired && System.nanoTime() - lastProgress > timeoutNanos) {
      fired = true;
      try {
        body.close();
      } catch (IOException | RuntimeException e) {
        // the interrupt below still wakes the reader
      }
      reader.interrupt();
    }
  }

  @Override
  public void close() {
    task.cancel(false);
    synchronized (this) {
      active = false;
      if (fired) {
        Thread.interrupted();
      }
    }
  }
}
