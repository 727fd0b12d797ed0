package dev.kiln.activities.training;

import dev.kiln.activities.tokenizer.TokenCorpus;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.training.CheckpointRef;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.SegmentRequest;
import dev.kiln.workflows.training.SegmentResult;
import dev.kiln.workflows.training.TrainingActivities;
import dev.kiln.workflows.training.TrainingConfig;
import dev.kiln.workflows.training.TrainingHeartbeat;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One segment of pretraining, with the objective (and so the architecture) the config names. Resumes from the newest durable checkpoint this activity knows of: the
 * one a previous attempt heartbeated (after a worker crash), else the one the workflow committed. Writes a
 * checkpoint every {@code checkpointEvery} steps and at the segment's end, and heartbeats it only once it is
 * durable, so a retry never resumes from something that is not there.
 */
public final class TrainingActivitiesImpl implements TrainingActivities {
  private static final Logger log = LoggerFactory.getLogger(TrainingActivitiesImpl.class);

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
    TrainingConfig config = request.config();
    CheckpointRef start = newest(request.resumeFrom(), context.getHeartbeatDetails(TrainingHeartbeat.class));
    int attempt = context.getInfo().getAttempt();

    Objective objective;
    try {
      objective = Objective.of(config.objective());
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), Failures.INVALID_RUN_SPEC);
    }
    int[] tokens = TokenCorpus.load(store, config.manifestKey()).train();
    PretrainingObjective batches;
    try {
      batches = PretrainingObjective.of(objective, tokens, config.shape(), config.batchSize(), config.seed());
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), Failures.BAD_DATA);
    }

    try (Trainer trainer = new Trainer(config.shape(), config, parseDevice(config.device()))) {
      int step = begin(trainer, start, config);
      if (step > 0 && attempt > 1) {
        log.info("attempt {} of {} resumes from checkpoint at step {}", attempt, request.runId(), step);
      }
      int resumedFrom = step;
      List<CheckpointRef> written = new ArrayList<>();
      List<Double> losses = new ArrayList<>();
      CheckpointRef last = start;
      long began = System.nanoTime();
      while (step < request.endStep()) {
        double loss;
        try {
          loss = trainer.trainStep(step, batches.batch(step));
        } catch (IllegalStateException diverged) {
          throw ApplicationFailure.newNonRetryableFailure(diverged.getMessage(), Failures.DIVERGED);
        }
        losses.add(loss);
        step++;
        if (step % config.checkpointEvery() == 0 || step == request.endStep()) {
          double mean = losses.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
          int from = step - losses.size();
          last = checkpoints.write(
              request.runId(), trainer.modelState(), trainer.optimizerState(),
              new CheckpointStore.Meta(step, config.seed(), config.hash(), from, List.copyOf(losses), mean));
          written.add(last);
          losses.clear();
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        double tokensPerSecond = (step - resumedFrom) * config.tokensPerStep() / seconds;
        double eta = (config.steps() - step) * config.tokensPerStep() / tokensPerSecond;
        metrics.record(step, loss, tokensPerSecond);
        context.heartbeat(new TrainingHeartbeat(step, config.steps(), loss, tokensPerSecond, eta, last));
      }
      long nanos = System.nanoTime() - began;
      double tokensPerSecond = (step - resumedFrom) * config.tokensPerStep() / (nanos / 1e9);
      if (written.isEmpty()) {
        written.add(start); // a retry after the segment's last checkpoint was written: nothing left to do
      }
      return new SegmentResult(written, resumedFrom, attempt, tokensPerSecond, nanos);
    }
  }

  /** Loads the start state into the trainer and returns the step to train next. */
  private int begin(Trainer trainer, CheckpointRef start, TrainingConfig config) {
    if (start != null) {
      CheckpointStore.Loaded loaded = checkpoints.read(start, config.hash());
      trainer.restore(loaded.model(), loaded.optimizer(), start.step());
      return start.step();
    }
    if (config.initWeightsKey() != null) {
      trainer.loadWeights(store.get(config.initWeightsKey()));
      return 0;
    }
    trainer.initialise();
    return 0;
  }

  private static CheckpointRef newest(CheckpointRef committed, Optional<TrainingHeartbeat> heartbeat) {
    CheckpointRef beat = heartbeat.map(TrainingHeartbeat::lastCheckpoint).orElse(null);
    if (beat == null) {
      return committed;
    }
    return committed == null || beat.step() > committed.step() ? beat : committed;
  }

  private static List<ai.djl.Device> parseDevice(String device) {
    try {
      return Devices.parseAll(device);
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), Failures.INVALID_RUN_SPEC);
    }
  }
}
