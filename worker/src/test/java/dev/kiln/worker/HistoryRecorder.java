package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.embedded.LocalS3;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.curation.CurationRequest;
import dev.kiln.workflows.curation.CurationResult;
import dev.kiln.workflows.curation.CurationWorkflow;
import dev.kiln.workflows.pretraining.RunSummary;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.training.TrainingHeartbeat;
import dev.kiln.workflows.training.TrainingWorkflow;
import io.temporal.api.enums.v1.EventType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.WorkflowExecutionHistory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records the replay fixtures of {@link WorkflowReplayTest} from real runs on a real Temporal dev server
 * ({@code infra/record-histories.sh} starts one and runs this; not part of the test command). Each history is written
 * as the JSON that {@code temporal workflow show --output json} prints, one file per workflow run, under
 * {@code workflows/src/test/resources/histories/}:
 * <ul>
 *   <li>{@code pipeline-*}: a whole pipeline (scope, hub, curation child with four shards, training child with three
 *       segments, evaluation);
 *   <li>{@code controls-*}: a training run that is paused, resumed, given a new learning rate, rolled back, loses its
 *       training worker to SIGKILL and resumes, and continues as new on the way;
 *   <li>{@code curation-partitioned}: a curation workflow on its own that takes the partitioned global stage
 *       ({@code WorkflowVersions.PARTITIONED_GLOBAL_STAGE}); {@link #recordPartitionedCuration} records only it.
 * </ul>
 * Re-record only when a fixture must cover something new: a change to a workflow's decisions goes behind
 * {@code Workflow.getVersion}, and the old fixtures keep replaying.
 */
class HistoryRecorder {
  private static final Path OUT = Path.of("..", "workflows", "src", "test", "resources", "histories");

  @TempDir Path home;
  private final Path logs = Path.of("target", "it-logs").toAbsolutePath();

  @Test
  void record() throws Exception {
    String address = System.getenv().getOrDefault("TEMPORAL_ADDRESS", "127.0.0.1:7233");
    Files.createDirectories(OUT);
    try (LocalS3 s3 = LocalS3.start(home.resolve("s3"), EmbeddedStack.freePort());
        ObjectStore store = new ObjectStore(new dev.kiln.activities.storage.StorageSettings(s3.endpoint(), "kiln", "us-east-1",
            EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY));
        TemporalConnection connection = TemporalConnection.connect(address, "default")) {
      store.ensureBucket();
      TestData.seedSmallCorpus(store, TestData.dataDir());
      WorkflowClient client = connection.client();
      String suffix = Long.toString(System.currentTimeMillis(), 36);

      try (KilnWorker worker = new KilnWorker(client, store, true, true, 2, 1)) {
        worker.start();
        String id = "replay-pipeline-" + suffix;
        RunSummary summary = TestRuns.start(client, spec("replay-pipeline.yaml"), id).get(10, TimeUnit.MINUTES);
        assertEquals(120, summary.training().finalCheckpoint().step());
        save(client, id, "pipeline-run");
        save(client, id + "-curate", "pipeline-curation");
        save(client, id + "-train", "pipeline-training");
      }

      // the training worker in its own process, so it can be killed; workflows and curation in this one
      try (KilnWorker workflows = new KilnWorker(client, store, true, false, 2, 0)) {
        workflows.start();
        String id = "replay-controls-" + suffix;
        String train = id + "-train";
        KilnProcess gpu = KilnProcess.trainingWorker(logs, "recorder-gpu-1", address, s3.endpoint().toString(), "kiln");
        KilnProcess gpu2 = null;
        try {
          CompletableFuture<RunSummary> result = TestRuns.start(client, spec("replay-controls.yaml"), id);
          RunWatcher watcher = new RunWatcher(connection, System.out);
          TestRuns.awaitTrainingStep(watcher, train, 60, null);
          TrainingWorkflow training = client.newWorkflowStub(TrainingWorkflow.class, train);
          System.out.println(training.pause("replay fixture").message());
          Thread.sleep(2000);
          System.out.println(training.resume().message());
          TestRuns.awaitTrainingStep(watcher, train, 140, null);
          System.out.println(training.setLearningRate(0.001).message());
          TestRuns.awaitTrainingStep(watcher, train, 220, null);
          int back = training.progress().retainedSteps().get(0);
          System.out.println(training.rollback(back).message());
          TrainingHeartbeat beat = TestRuns.awaitTrainingStep(watcher, train, 330, null);
          gpu.kill();
          System.out.println("killed the training worker at step " + beat.step());
          gpu2 = KilnProcess.trainingWorker(logs, "recorder-gpu-2", address, s3.endpoint().toString(), "kiln");
          RunSummary summary = result.get(15, TimeUnit.MINUTES);
          assertFalse(summary.training().resumes().isEmpty(), "resumed after the kill");
          assertEquals(600, summary.training().finalCheckpoint().step());
        } finally {
          gpu.close();
          if (gpu2 != null) {
            gpu2.close();
          }
        }
        save(client, id, "controls-run");
        List<WorkflowExecutionHistory> runs = chain(client, train);
        assertTrue(runs.size() >= 2, "the training continued as new: " + runs.size() + " runs");
        for (int i = 0; i < runs.size(); i++) {
          write("controls-training-" + (i + 1), runs.get(i));
        }
      }
    }
  }

  /**
   * A curation workflow (four shards, the partitioned global stage) on its own; run alone with
   * {@code -Dit.test='HistoryRecorder#recordPartitionedCuration'} to add its fixture without re-recording the others.
   */
  @Test
  void recordPartitionedCuration() throws Exception {
    String address = System.getenv().getOrDefault("TEMPORAL_ADDRESS", "127.0.0.1:7233");
    Files.createDirectories(OUT);
    try (LocalS3 s3 = LocalS3.start(home.resolve("s3"), EmbeddedStack.freePort());
        ObjectStore store = new ObjectStore(new dev.kiln.activities.storage.StorageSettings(s3.endpoint(), "kiln", "us-east-1",
            EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY));
        TemporalConnection connection = TemporalConnection.connect(address, "default");
        KilnWorker worker = new KilnWorker(connection.client(), store, true, false, 2, 0)) {
      store.ensureBucket();
      TestData.seedSmallCorpus(store, TestData.dataDir());
      worker.start();
      String id = "replay-curation-" + Long.toString(System.currentTimeMillis(), 36);
      CurationWorkflow curation = connection.client().newWorkflowStub(CurationWorkflow.class,
          WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(TaskQueues.CPU).build());
      CurationResult result = curation.curate(new CurationRequest(id, spec("replay-pipeline.yaml"), null, null));
      assertTrue(result.keptDocuments() > 0 && store.exists(result.manifestKey()), result.toString());
      save(connection.client(), id, "curation-partitioned");
    }
  }

  private static RunSpec spec(String name) {
    return RunSpecLoader.load(Path.of("src", "test", "resources", name));
  }

  /** Every run of a workflow id, oldest first, following the continue-as-new chain back from the latest. */
  private static List<WorkflowExecutionHistory> chain(WorkflowClient client, String workflowId) {
    List<WorkflowExecutionHistory> runs = new ArrayList<>();
    WorkflowExecutionHistory history = client.fetchHistory(workflowId);
    while (true) {
      runs.add(0, history);
      String previous = history.getEvents().get(0).getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
      if (previous.isEmpty()) {
        return runs;
      }
      history = client.fetchHistory(workflowId, previous);
      assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, history.getLastEvent().getEventType());
    }
  }

  private static void save(WorkflowClient client, String workflowId, String name) throws Exception {
    write(name, client.fetchHistory(workflowId));
  }

  private static void write(String name, WorkflowExecutionHistory history) throws Exception {
    Path file = OUT.resolve(name + ".json");
    Files.writeString(file, history.toJson(true));
    System.out.println("recorded " + file + " (" + history.getEvents().size() + " events)");
  }
}
