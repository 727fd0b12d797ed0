package dev.kiln.activities.storage;

import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Waits out a storage outage: retries a call that failed for want of storage (connection refused, timeouts,
 * 5xx) with backoff from 250 ms to 5 s, for up to {@code patience}; answers from a working store (404, 403, 412)
 * are not outages and are thrown at once.
 */
public final class StorageOutage {
  private static final Logger log = LoggerFactory.getLogger(StorageOutage.class);

  private StorageOutage() {}

  public static <T> T waitOut(String what, Duration patience, Supplier<T> call) {
    long deadline = System.nanoTime() + patience.toNanos();
    long backoffMillis = 250;
    while (true) {
      try {
        return call.get();
      } catch (SdkException e) {
        if (!isOutage(e) || System.nanoTime() > deadline) {
          throw e;
        }
        log.warn("{} failed ({}); storage looks down, retrying in {} ms", what, e.getMessage(), backoffMillis);
        try {
          Thread.sleep(backoffMillis);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
        backoffMillis = Math.min(backoffMillis * 2, 5_000);
      }
    }
  }

  static boolean isOutage(SdkException e) {
    return !(e instanceof S3Exception s3) || s3.statusCode() >= 500 || s3.statusCode() == 429;
  }
}
