package dev.kiln.activities.training;

import dev.kiln.activities.KeepAlive;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.storage.StorageOutage;
import dev.kiln.activities.tokenizer.TokenCorpus;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.training.CheckpointRef;
import dev.kiln.workflows.training.DataSkip;
import dev.kiln.workflows.training.LossAnomaly;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.SegmentRequest;
import dev.kiln.workflows.training.SegmentResult;
import dev.kiln.workflows.training.TrainingActivities;
import dev.kiln.workflows.training.TrainingConfig;
import dev.kiln.workflows.training.TrainingHeartbeat;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One segment of pretraining, with the objective (and so the architecture) the config names, from the
 * checkpoint the workflow committed. Writes a checkpoint every {@code checkpointEvery} steps, and where it stops:
 * at the segment's end, at the first checkpoint after its time budget, when the workflow cancels it (an
 * operator's control), or before a step whose loss the spike policy rejects. Heartbeats the newest checkpoint
 * only once it is durable, so the workflow can commit it if this worker dies, and reports each durable checkpoint to
 * the workflow as it goes ({@link CheckpointReporter}), which verifies and commits it during the segment.
 */
public final class TrainingActivitiesImpl implements TrainingActivities {
  private static final Logger log = LoggerFactory.getLogger(TrainingActivitiesImpl.class);
  /** How long a storage outage is waited out before the segment gives up (the workflow then resumes it). */
  private static final Duration STORAGE_OUTAGE = Duration.ofMinutes(15);

  private final ObjectStore store;
  private final CheckpointStore checkpoints;
  private final TrainingMetrics metrics = new TrainingMetrics();

  public TrainingActivitiesImpl(ObjectStore store) {
    this.store = store;
    this.checkpoints = new CheckpointStore(store);
  }

  @Override
  public SegmentResult trainSegment(SegmentRequest request) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    Segment segment = new Segment(request, context);
    try {
      return segment.run();
    } catch (ApplicationFailure failure) {
      throw failure;
    } catch (RuntimeException e) {
      // Tell the workflow what is durable, so it commits that before resuming elsewhere.
      throw ApplicationFailure.newFailureWithCause(
          "training segment failed at step " + segment.step + ": " + e, "TrainingInterrupted", e, segment.details());
    }
  }

  /** The state of one segment's run. */
  private final class Segment {
    private final SegmentRequest request;
    private final TrainingConfig config;
    private final ActivityExecutionContext context;
    private final long began = System.nanoTime();
    private CheckpointUploader uploader;
    private int step;
    private int resumedFrom;
    private double lastLoss = Double.NaN;
    private double tokensPerSecond;
    private boolean cancelled;
    private long firstStepAt;
    private volatile String waitingFor;

    Segment(SegmentRequest request, ActivityExecutionContext context) {
      this.request = request;
      this.config = request.config();
      this.context = context;
      this.step = request.resumeFrom() == null ? 0 : request.resumeFrom().step();
    }

    SegmentResult run() {
      Objective objective = config.objective();
      List<ai.djl.Device> devices = parseDevice(config.device());
      PretrainingObjective batches;
      Trainer trainer;
      LossSpikeGuard guard;
      // Loading data, the engine and the checkpoint takes seconds on a cold worker: heartbeat meanwhile, so a
      // short heartbeat timeout catches dead workers, not slow starts.
      // The first heartbeat, which the SDK sends at once (later ones are throttled), is left to the training loop
      // if it has trained a step within half the heartbeat timeout: the workflow then learns at once that the run
      // has resumed (the time to recover) instead of up to 0.8 x the timeout later.
      Duration first = context.getInfo().getHeartbeatTimeout().dividedBy(2);
      try (KeepAlive ignored = KeepAlive.start(context, first, Duration.ofSeconds(1), this::details)) {
        int[] tokens = StorageOutage.waitOut("loading " + config.manifestKey(), STORAGE_OUTAGE,
            () -> TokenCorpus.load(store, config.manifestKey())).train();
        try {
          batches = PretrainingObjective.of(objective, tokens, config.shape(), config.batchSize(), config.seed());
        } catch (IllegalArgumentException e) {
          throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), Failures.BAD_DATA);
        }
        trainer = new Trainer(config.shape(), config, devices);
        try {
          guard = begin(trainer);
        } catch (RuntimeException e) {
          trainer.close();
          throw e;
        }
      }

      try (trainer;
          CheckpointUploader uploads = new CheckpointUploader(
              checkpoints, request.asyncCheckpoints(), STORAGE_OUTAGE, this::heartbeatWhileWaiting);
          CheckpointReporter reporter = new CheckpointReporter(context, request.segment())) {
        this.uploader = uploads;
        trainer.setLearningRateOverrides(request.learningRates());
        // Another segment on this worker may hold the engine for its step: say so, and stay alive meanwhile.
        trainer.whileWaitingForEngine(() -> {
          waitingFor = TrainingHeartbeat.WAITING_FOR_ENGINE;
          heartbeatWhileWaiting();
        });
        resumedFrom = step;
        if (step > 0) {
          log.info("{}: attempt {} resumes from checkpoint at step {}", request.runId(),
              context.getInfo().getAttempt(), step);
        }
        List<Double> losses = new ArrayList<>();
        long stallNanos = 0;
        LossAnomaly anomaly = null;
        String stoppedBy = "end";
        long trainingBegan = System.nanoTime();
        while (step < request.endStep()) {
          long dataIndex = DataSkip.dataIndex(step, request.skips());
          double loss;
          try {
            loss = trainer.trainStep(step, batches.batch(Math.toIntExact(dataIndex)), guard);
          } catch (Trainer.RejectedLossException rejected) {
            anomaly = new LossAnomaly(step, dataIndex, rejected.loss(), guard.movingAverage(), rejected.reason());
            log.warn("{}: {}", request.runId(), rejected.getMessage());
            stoppedBy = "anomaly";
            break;
          }
          waitingFor = null;
          guard.accept(loss);
          losses.add(loss);
          lastLoss = loss;
          step++;
          if (firstStepAt == 0) {
            firstStepAt = System.currentTimeMillis();
          }
          boolean timeUp = System.nanoTime() - began > Duration.ofSeconds(request.maxSeconds()).toNanos();
          boolean atCheckpoint = step % config.checkpointEvery() == 0;
          if (atCheckpoint || step == request.endStep()) {
            stallNanos += checkpoint(trainer, guard, losses);
            if (timeUp && step < request.endStep()) {
              stoppedBy = "time";
              break;
            }
          }
          tokensPerSecond = (step - resumedFrom) * config.tokensPerStep() / ((System.nanoTime() - trainingBegan) / 1e9);
          metrics.record(step, loss, tokensPerSecond);
          boolean goOn = heartbeat(context); // which also collects a finished upload
          reporter.reportNew(uploads); // so the workflow commits it now, not at the segment's end
          if (!goOn) {
            stoppedBy = "cancel";
            if (!losses.isEmpty()) {
              stallNanos += checkpoint(trainer, guard, losses); // where it stopped: nothing trained is lost
            }
            break;
          }
        }
        uploads.awaitInFlight(cancelled ? () -> {} : this::heartbeatWhileWaiting);
        long nanos = System.nanoTime() - trainingBegan;
        return new SegmentResult(uploads.durable(), resumedFrom, step, context.getInfo().getAttempt(),
            tokensPerSecond, nanos, firstStepAt, stallNanos, uploads.uploadedBytes(), uploads.uploadNanos(), anomaly,
            stoppedBy);
      }
    }

    /** Loads the start state and returns the spike guard with the window the checkpoint carried. */
    private LossSpikeGuard begin(Trainer trainer) {
      CheckpointRef start = request.resumeFrom();
      if (start != null) {
        CheckpointStore.Loaded loaded;
        try {
          loaded = StorageOutage.waitOut("loading " + start.prefix(), STORAGE_OUTAGE,
              () -> checkpoints.read(start, config.hash(), config.legacyHash()));
        } catch (CheckpointStore.TornCheckpointException e) {
          throw ApplicationFailure.newNonRetryableFailure(
              "committed checkpoint " + start.prefix() + " cannot be used: " + e.getMessage(),
              Failures.CORRUPT_CHECKPOINT, start.prefix());
        }
        trainer.restore(loaded.model(), loaded.optimizer(), start.step());
        return new LossSpikeGuard(request.lossSpikeFactor(), request.lossSpikeWindow(), loaded.meta().recentLosses());
      }
      if (config.initWeightsKey() != null) {
        trainer.loadWeights(StorageOutage.waitOut("loading " + config.initWeightsKey(), STORAGE_OUTAGE,
            () -> store.get(config.initWeightsKey())));
      } else {
        trainer.initialise();
      }
      return new LossSpikeGuard(request.lossSpikeFactor(), request.lossSpikeWindow(), List.of());
    }

    /** Snapshots the trainer and hands it to the uploader; returns the time the training loop lost to it. */
    private long checkpoint(Trainer trainer, LossSpikeGuard guard, List<Double> losses) {
      long began = System.nanoTime();
      double mean = losses.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
      CheckpointStore.Meta meta = new CheckpointStore.Meta(
          step, DataSkip.dataIndex(step, request.skips()), config.seed(), config.hash(), request.generation(),
          step - losses.size(), List.copyOf(losses), mean, guard.recent());
      losses.clear();
      uploader.submit(request.runId(), trainer.copyState(), meta);
      return System.nanoTime() - began;
    }

    /** Heartbeats progress; false once the workflow has asked this segment to stop. */
    private boolean heartbeat(ActivityExecutionContext context) {
      if (cancelled) {
        return false;
      }
      try {
        context.heartbeat(details());
        return true;
      } catch (ActivityCompletionException e) {
        cancelled = true; // cancelled by the workflow, or this attempt is no longer the current one
        return false;
      }
    }

    private void heartbeatWhileWaiting() {
      heartbeat(context); // a cancellation seen here is acted on by the loop after the wait
    }

    TrainingHeartbeat details() {
      double eta = tokensPerSecond > 0 ? (config.steps() - step) * config.tokensPerStep() / tokensPerSecond : Double.NaN;
      CheckpointRef durable = uploader == null ? null : uploader.newestDurable();
      return new TrainingHeartbeat(
          step, config.steps(), lastLoss, tokensPerSecond, eta, durable, System.currentTimeMillis(), firstStepAt,
          waitingFor);
    }
  }

  private static List<ai.djl.Device> parseDevice(String device) {
    try {
      return Devices.parseAll(device);
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), Failures.INVALID_RUN_SPEC);
    }
  }
}
