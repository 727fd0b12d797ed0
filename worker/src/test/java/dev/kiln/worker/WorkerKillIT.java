package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.pretraining.PretrainingWorkflow;
import dev.kiln.workflows.pretraining.RunSummary;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.training.TrainingHeartbeat;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole life cycle with the training worker (the {@code gpu} queue) in a separate JVM that is killed with
 * SIGKILL during pretraining: a new worker takes the run over and training resumes from a checkpoint, not from
 * step 0. Workflows and CPU activities run on a worker in this JVM: the in-JVM test server never times out a
 * dead worker's sticky queue, so a killed workflow worker would strand its workflows there (a real server
 * moves them on after the sticky schedule-to-start timeout).
 */
class WorkerKillIT {
  @TempDir Path home;
  private final Path logs = Path.of("target", "it-logs").toAbsolutePath();

  @Test
  void aRunSurvivesItsWorkerBeingKilledDuringPretraining() throws Exception {
    Path data = TestData.dataDir();
    RunSpec spec = RunSpecLoader.load(Path.of("src", "test", "resources", "kill-test.yaml"));
    try (EmbeddedStack stack = EmbeddedStack.start(home.resolve("s3"), 0, 0);
        ObjectStore store = new ObjectStore(stack.storage("kiln"));
        TemporalConnection connection = TemporalConnection.connect(stack.temporalAddress(), "default")) {
      store.ensureBucket();
      TestData.seedSmallCorpus(store, data);
      new DataSeeder(store).seedHub(Path.of("..", "configs", "hub"), data);

      Files.createDirectories(logs);
      System.out.println("stack: temporal " + stack.temporalAddress() + ", s3 " + stack.s3Endpoint() + "; worker logs in " + logs);
      KilnWorker workflows = new KilnWorker(connection.client(), store, true, false, 2, 0);
      workflows.start();
      KilnProcess first = KilnProcess.worker(stack, "kiln", logs, "worker-1");
      KilnProcess second = null;
      try {
        PretrainingWorkflow run = connection.client().newWorkflowStub(PretrainingWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId("kill-test").setTaskQueue(TaskQueues.CPU).build());
        CompletableFuture<RunSummary> result = WorkflowClient.execute(run::run, spec);

        RunWatcher watcher = new RunWatcher(connection, System.out);
        TrainingHeartbeat beat = awaitTrainingPast(watcher, "kill-test-train", 4 * spec.training().checkpointEvery(), first);
        first.kill();
        System.out.println("killed worker " + first.pid() + " at step " + beat.step() + " (last checkpoint "
            + beat.lastCheckpoint().step() + ")");
        int metricsPort = freePort();
        second = KilnProcess.worker(stack, "kiln", logs, "worker-2", "--metrics-port", Integer.toString(metricsPort), "--metrics-host", "127.0.0.1");
        TrainingHeartbeat resumed = awaitTrainingPast(watcher, "kill-test-train", beat.step() + 1, second);
        String scraped = scrape(metricsPort);
        assertTrue(scraped.contains("kiln_training_step "), scraped);
        assertTrue(scraped.contains("kiln_training_tokens_per_second "), scraped);
        assertTrue(scraped.contains("temporal_"), "the SDK's own metrics are exposed too");
        System.out.println("the new worker trains at step " + resumed.step() + "; its /metrics has Kiln's gauges");

        RunSummary summary = result.get(15, TimeUnit.MINUTES);
        assertEquals(summary.plan().steps(), summary.training().finalCheckpoint().step());
        assertFalse(summary.training().resumes().isEmpty(), "training resumed after the kill: " + summary.training());
        int resumedAt = summary.training().resumes().get(0);
        assertTrue(resumedAt > 0, "resumed from a checkpoint, not from step 0");
        assertEquals(0, resumedAt % spec.training().checkpointEvery(), "resumed exactly at a checkpoint");
        assertTrue(resumedAt <= beat.step(), "no step was skipped");
        assertTrue(summary.evaluation().beatsBaseline(),
            "held-out perplexity " + summary.evaluation().heldOutPerplexity() + " vs unigram " + summary.evaluation().unigramPerplexity());
        assertTrue(store.exists(summary.evaluation().cardKey()));
        assertTrue(store.exists("hub/kill-test/card.yaml"));
        assertTrue(second.log().contains("resumes from checkpoint at step " + resumedAt), second.log());
      } finally {
        workflows.close();
        first.close();
        if (second != null) {
          second.close();
        }
      }
    }
  }

  private static int freePort() throws java.io.IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static String scrape(int port) throws Exception {
    java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
    return response.body();
  }

  private static TrainingHeartbeat awaitTrainingPast(RunWatcher watcher, String trainingId, int step, KilnProcess worker) throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(12));
    while (Instant.now().isBefore(deadline)) {
      try {
        Optional<TrainingHeartbeat> beat = watcher.trainingHeartbeat(trainingId);
        if (beat.isPresent() && beat.get().step() >= step && beat.get().lastCheckpoint() != null) {
          return beat.get();
        }
      } catch (io.grpc.StatusRuntimeException notStartedYet) {
        // the training child workflow does not exist until curation is done
      }
      Thread.sleep(200);
    }
    throw new AssertionError("training never reached step " + step + "; worker log:\n" + worker.log());
  }
}
