package dev.kiln.activities.training;

import dev.kiln.activities.storage.StorageOutage;
import dev.kiln.workflows.training.CheckpointRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import dev.kiln.activities.storage.StorageOutage;

/**
 * Writes checkpoints to storage, in the background when asynchronous: the training thread hands over a
 * snapshot and goes on. At most one upload is in flight; handing over the next one first waits for it (that wait
 * is the stall the benchmark reports). A storage outage is waited out, with backoff, for up to {@code outage};
 * while the training thread waits it calls {@code whileWaiting} (the activity heartbeats there), so a long
 * outage is not mistaken for a dead worker.
 */
final class CheckpointUploader implements AutoCloseable {
  private final CheckpointStore store;
  private final boolean async;
  private final Duration outage;
  private final Runnable whileWaiting;
  private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
    Thread thread = new Thread(r, "kiln-checkpoint-upload");
    thread.setDaemon(true);
    return thread;
  });
  private final List<CheckpointRef> durable = new ArrayList<>();
  private Future<CheckpointRef> inFlight;
  private volatile long uploadedBytes;
  private volatile long uploadNanos;
  private long waitNanos;

  CheckpointUploader(CheckpointStore store, boolean async, Duration outage, Runnable whileWaiting) {
    this.store = store;
    this.async = async;
    this.outage = outage;
    this.whileWaiting = whileWaiting;
  }

  /**
   * Hands a copy of the training state over (this uploader closes it); returns once it is uploading (asynchronous)
   * or durable (synchronous). The copy is encoded on the upload thread.
   */
  void submit(String runId, Trainer.StateCopy state, CheckpointStore.Meta meta) {
    long began = System.nanoTime();
    try {
      try {
        awaitInFlight(whileWaiting);
      } catch (RuntimeException previousFailed) {
        state.close(); // never uploaded
        throw previousFailed;
      }
      inFlight = executor.submit(() -> {
        try (state) {
          return upload(new CheckpointStore.Snapshot(runId, state.model(), state.optimizer(), meta));
        }
      });
      if (!async) {
        awaitInFlight(whileWaiting);
      }
    } finally {
      waitNanos += System.nanoTime() - began;
    }
  }

  /** Waits for the upload in flight, if any, calling {@code whileWaiting} about once a second. */
  void awaitInFlight(Runnable whileWaiting) {
    while (inFlight != null) {
      try {
        durable.add(inFlight.get(1, TimeUnit.SECONDS));
        inFlight = null;
      } catch (TimeoutException stillUploading) {
        whileWaiting.run();
      } catch (ExecutionException e) {
        inFlight = null;
        throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while a checkpoint was uploading", e);
      }
    }
  }

  /** The newest checkpoint known durable (an upload that finished is collected here). */
  CheckpointRef newestDurable() {
    if (inFlight != null && inFlight.isDone()) {
      awaitInFlight(() -> {});
    }
    return durable.isEmpty() ? null : durable.get(durable.size() - 1);
  }

  List<CheckpointRef> durable() {
    return List.copyOf(durable);
  }

  /** How many checkpoints are known durable (see {@link #newestDurable}, which collects a finished upload). */
  int durableCount() {
    return durable.size();
  }

  /** Time the training thread spent in {@link #submit}: waiting for a previous upload, or for its own (sync). */
  long waitNanos() {
    return waitNanos;
  }

  long uploadedBytes() {
    return uploadedBytes;
  }

  long uploadNanos() {
    return uploadNanos;
  }

  private CheckpointRef upload(CheckpointStore.Snapshot snapshot) {
    long began = System.nanoTime();
    CheckpointRef ref = StorageOutage.waitOut(
        "checkpoint upload of step " + snapshot.meta().step(), outage, () -> store.write(snapshot));
    uploadNanos += System.nanoTime() - began;
    uploadedBytes += snapshot.bytes();
    return ref;
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
