package dev.kiln.activities.training;

import dev.kiln.workflows.training.CheckpointRef;
import dev.kiln.workflows.training.TrainingWorkflow;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the training workflow run that scheduled this segment about each checkpoint the segment has made durable
 * ({@link TrainingWorkflow#checkpointDurable}), so the workflow verifies and commits it while the segment goes on.
 * Signals go out from a thread of their own, in order, so the training loop never waits on Temporal. Best effort:
 * a lost report loses nothing, since the segment's result (or its last heartbeat) carries its checkpoints too.
 */
final class CheckpointReporter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CheckpointReporter.class);
  /**
   * At most one report per this interval: each costs the workflow's history about 5 events, so checkpoints made
   * durable in quicker succession go out together.
   */
  static final long MIN_INTERVAL_NANOS = 5_000_000_000L;

  private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
    Thread thread = new Thread(r, "kiln-checkpoint-report");
    thread.setDaemon(true);
    return thread;
  });
  private final TrainingWorkflow workflow;
  private final int segment;
  private int reported;
  private long reportedAt = System.nanoTime() - MIN_INTERVAL_NANOS;

  CheckpointReporter(ActivityExecutionContext context, int segment) {
    this.segment = segment;
    TrainingWorkflow stub = null;
    try {
      ActivityInfo info = context.getInfo();
      // this run of the workflow only: a later run (after continue-as-new) runs segments of its own
      stub = context.getWorkflowClient().newWorkflowStub(TrainingWorkflow.class, info.getWorkflowId(), Optional.of(info.getRunId()));
    } catch (RuntimeException noWorkflow) {
      log.warn("checkpoints are reported in the segment's result only: {}", noWorkflow.toString());
    }
    this.workflow = stub;
  }

  /**
   * Reports the checkpoints the uploader made durable that were not reported yet, unless the last report went out
   * less than {@link #MIN_INTERVAL_NANOS} ago (they then go with a later call; the loop calls this every step).
   */
  void reportNew(CheckpointUploader uploader) {
    if (workflow == null || uploader.durableCount() <= reported || System.nanoTime() - reportedAt < MIN_INTERVAL_NANOS) {
      return;
    }
    reportedAt = System.nanoTime();
    List<CheckpointRef> all = uploader.durable();
    List<CheckpointRef> fresh = List.copyOf(all.subList(reported, all.size()));
    reported = all.size();
    executor.execute(() -> {
      try {
        workflow.checkpointDurable(new TrainingWorkflow.CheckpointReport(segment, fresh));
      } catch (RuntimeException e) {
        log.warn("could not report checkpoints {} to the workflow (its result will carry them): {}",
            fresh.stream().map(CheckpointRef::step).toList(), e.toString());
      }
    });
  }

  @Override
  public void close() {
    executor.shutdown(); // reports already handed over still go out
  }
}
