package dev.kiln.worker;

import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.pretraining.PretrainingWorkflow;
import dev.kiln.workflows.pretraining.RunSummary;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.training.TrainingHeartbeat;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Starting a run on any Temporal frontend and waiting for its training to get somewhere, for the integration tests. */
final class TestRuns {
  private TestRuns() {}

  static java.util.concurrent.CompletableFuture<RunSummary> start(WorkflowClient client, RunSpec spec, String id) {
    PretrainingWorkflow run = client.newWorkflowStub(PretrainingWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(TaskQueues.CPU).build());
    return WorkflowClient.execute(run::run, spec);
  }

  /**
   * The training child's last heartbeat once it reports {@code step} or later; fails after 10 minutes, or as soon as
   * {@code worker} (if given) exits, with its log.
   */
  static TrainingHeartbeat awaitTrainingStep(RunWatcher watcher, String trainingId, int step, KilnProcess worker)
      throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(10));
    while (Instant.now().isBefore(deadline)) {
      try {
        Optional<TrainingHeartbeat> beat = watcher.trainingHeartbeat(trainingId);
        if (beat.isPresent() && beat.get().step() >= step) {
          return beat.get();
        }
      } catch (io.grpc.StatusRuntimeException notStartedYet) {
        // the training child does not exist until curation is done
      }
      if (worker != null && !worker.isAlive()) {
        throw new AssertionError("the worker exited; its log:\n" + worker.log());
      }
      Thread.sleep(200);
    }
    throw new AssertionError("training never reached step " + step + (worker == null ? "" : "; worker log:\n" + worker.log()));
  }
}
