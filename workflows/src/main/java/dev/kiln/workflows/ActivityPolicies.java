package dev.kiln.workflows;

import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;

/**
 * Activity options, declared once and named for what they guard. Transient faults (a worker killed, storage
 * down) are retried without limit with backoff; the failure types in {@link Failures} are never retried.
 */
public final class ActivityPolicies {
  private static final RetryOptions RETRY_TRANSIENT =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(1))
          .setBackoffCoefficient(2)
          .setMaximumInterval(Duration.ofSeconds(30))
          .setDoNotRetry(
              Failures.INVALID_RUN_SPEC,
              Failures.EMPTY_CURATION,
              Failures.BAD_DATA,
              Failures.DIVERGED)
          .build();

  /** Quick decisions on the cpu queue: scope, hub. */
  public static final ActivityOptions DECISION =
      ActivityOptions.newBuilder()
          .setTaskQueue(TaskQueues.CPU)
          .setStartToCloseTimeout(Duration.ofMinutes(2))
          .setRetryOptions(RETRY_TRANSIENT)
          .build();

  /**
   * Stage 2, which may download and convert a Hugging Face model (hundreds of MB to many GB) before it can say
   * what to continue from: an import's time, not a decision's, with heartbeats every few seconds from the activity
   * so a dead worker's import moves on within a minute. Changing these options changes no workflow decision.
   */
  public static final ActivityOptions MODEL_SELECTION =
      ActivityOptions.newBuilder()
          .setTaskQueue(TaskQueues.CPU)
          .setStartToCloseTimeout(Duration.ofHours(4))
          .setHeartbeatTimeout(Duration.ofMinutes(1))
          .setRetryOptions(RETRY_TRANSIENT)
          .build();

  /**
   * Curation work over data: the activities heartbeat every 2 s from a side thread while they compute (KeepAlive),
   * so a dead worker's shard moves to another worker 15 s after the worker died.
   */
  public static final ActivityOptions DATA_WORK =
      ActivityOptions.newBuilder()
          .setTaskQueue(TaskQueues.CPU)
          .setStartToCloseTimeout(Duration.ofHours(2))
          .setHeartbeatTimeout(Duration.ofSeconds(15))
          .setRetryOptions(RETRY_TRANSIENT)
          .build();

  /**
   * A training segment on the gpu queue. The training workflow overrides the heartbeat timeout (from the run's
   * resilience policy), the retries (it resumes itself, from its own record) and the summary.
   */
  public static final ActivityOptions TRAINING_SEGMENT =
      ActivityOptions.newBuilder()
          .setTaskQueue(TaskQueues.GPU)
          .setStartToCloseTimeout(Duration.ofHours(6))
          .setHeartbeatTimeout(Duration.ofSeconds(10))
          .setRetryOptions(RETRY_TRANSIENT)
          .build();

  /**
   * {@link #TRAINING_SEGMENT} as the training workflow runs it: the heartbeat timeout and a start-to-close bound
   * from the run's resilience policy, and one attempt: the workflow resumes after a failure itself, from its own
   * record, and writes the ledger entry.
   */
  public static ActivityOptions trainingSegment(dev.kiln.workflows.spec.RunSpec.Resilience policy, String summary) {
    return ActivityOptions.newBuilder(TRAINING_SEGMENT)
        .setHeartbeatTimeout(Duration.ofSeconds(policy.heartbeatSeconds()))
        .setStartToCloseTimeout(Duration.ofSeconds(policy.segmentSeconds()).multipliedBy(3).plusHours(1))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .setCancellationType(io.temporal.activity.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
        .setSummary(summary)
        .build();
  }

  /**
   * Verifying (re-reading) checkpoints and deleting those retention drops: a local activity of the workflow
   * worker, so another process than the trainer that wrote them, and one history event instead of six per
   * segment. Storage outages are retried without limit.
   */
  public static final LocalActivityOptions CHECKPOINT_COMMIT =
      LocalActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(10))
          .setRetryOptions(RETRY_TRANSIENT)
          .setSummary("verify and commit checkpoints")
          .build();

  /**
   * How long a run with a GPU {@code training.device} waits, before curation, for a worker polling the {@code gpu}
   * queue to take its device check. Workers may start after the run (a GPU node being provisioned, a pod being
   * scheduled), so this is minutes, not seconds; past it the run fails saying that no worker polls the queue.
   */
  public static final Duration GPU_WORKER_WAIT = Duration.ofMinutes(10);

  /**
   * The device check on the gpu queue: a gpu-queue worker reports its devices. Schedule-to-start bounds the wait
   * for such a worker (a schedule-to-start timeout is never retried); the check itself takes well under a minute
   * (libtorch is loaded when the worker starts).
   */
  public static final ActivityOptions DEVICE_CHECK =
      ActivityOptions.newBuilder()
          .setTaskQueue(TaskQueues.GPU)
          .setScheduleToStartTimeout(GPU_WORKER_WAIT)
          .setStartToCloseTimeout(Duration.ofMinutes(2))
          .setRetryOptions(RETRY_TRANSIENT)
          .build();

  /** Evaluation reads the model and held-out data and writes the card. */
  public static final ActivityOptions EVALUATION =
      ActivityOptions.newBuilder()
          .setTaskQueue(TaskQueues.CPU)
          .setStartToCloseTimeout(Duration.ofHours(1))
          .setHeartbeatTimeout(Duration.ofSeconds(60))
          .setRetryOptions(RETRY_TRANSIENT)
          .build();

  /**
   * Measuring a ladder rung on the gpu queue: its held-out loss (the trained model over the held-out split) and the
   * peak memory of two training steps of its shape. Heartbeats every few seconds (KeepAlive), so a dead worker's
   * measurement moves on within a minute.
   */
  public static final ActivityOptions RUNG_MEASUREMENT =
      ActivityOptions.newBuilder()
          .setTaskQueue(TaskQueues.GPU)
          .setStartToCloseTimeout(Duration.ofHours(1))
          .setHeartbeatTimeout(Duration.ofSeconds(60))
          .setRetryOptions(RETRY_TRANSIENT)
          .build();

  private ActivityPolicies() {}
}
