package dev.kiln.activities.hf;

import java.time.Duration;

/**
 * How long to keep trying after a transient fault (connection refused or reset, timeout, 408, 429, 5xx), as
 * huggingface_hub does: up to {@code maxRetries} more attempts, waiting {@code baseWait} and doubling up to
 * {@code maxWait}, or what a {@code Retry-After} header asks (capped at {@code maxRetryAfter}, so a Hub that asks
 * for an hour does not hold an activity for an hour). A download that received bytes since its last fault starts
 * its count again: a slow, flaky link still finishes, a dead one gives up.
 *
 * @param maxRetries attempts after the first
 * @param baseWait the first wait
 * @param maxWait the longest wait between attempts when the server does not say
 * @param maxRetryAfter the longest wait a {@code Retry-After} can ask for
 * @param sleeper how to wait; tests record instead of sleeping
 */
public record HfHubRetry(int maxRetries, Duration baseWait, Duration maxWait, Duration maxRetryAfter,
    Sleeper sleeper) {
  public static final HfHubRetry DEFAULT =
      new HfHubRetry(5, Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofSeconds(120), Sleeper.REAL);

  /** Waits between attempts. */
  @FunctionalInterface
  public interface Sleeper {
    Sleeper REAL = d -> Thread.sleep(d.toMillis());

    void sleep(Duration d) throws InterruptedException;
  }

  /** The wait before retry number {@code retry} (1-based), or what the server asked for. */
  Duration wait(int retry, Duration retryAfter) {
    if (retryAfter != null) {
      return retryAfter.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : retryAfter;
    }
    Duration d = baseWait.multipliedBy(1L << Math.min(retry - 1, 20));
    return d.compareTo(maxWait) > 0 ? maxWait : d;
  }

  void pause(Duration d) {
    try {
      sleeper.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HfHubTransferException("interrupted while waiting to retry a Hugging Face download");
    }
  }
}
