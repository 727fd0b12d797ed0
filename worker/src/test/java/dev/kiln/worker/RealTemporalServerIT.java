package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.curation.CurationActivitiesImpl;
import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.workflows.KilnSearchAttributes;
import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.pretraining.PretrainingWorkflow;
import dev.kiln.workflows.pretraining.RunSummary;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.client.WorkflowOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kiln on the real Temporal server (the CLI's dev server with SQLite, started by infra/start-temporal-dev.sh,
 * which the test command runs first): visibility queries over Kiln's search attributes, Schedules, and a run
 * that survives a restart of the server itself. S3 is s3proxy in this JVM.
 */
class RealTemporalServerIT {
  static final String ADDRESS = Optional.ofNullable(System.getenv("TEMPORAL_ADDRESS")).orElse("127.0.0.1:7233");
  @TempDir static Path home;
  static EmbeddedStack storage;
  static ObjectStore store;
  static TemporalConnection connection;
  static KilnWorker worker;
  static RunSpec spec;
  static final CliRunner CLI = new CliRunner("--address", ADDRESS);
  static final String SUFFIX = Long.toString(System.currentTimeMillis(), 36);

  @BeforeAll
  static void connect() throws Exception {
    storage = EmbeddedStack.start(home.resolve("s3"), 0, 0);
    store = new ObjectStore(storage.storage("kiln"));
    store.ensureBucket();
    TestData.seedSmallCorpus(store, TestData.dataDir());
    new DataSeeder(store).seedHub(Path.of("..", "configs", "hub"), TestData.dataDir());
    connection = TemporalConnection.connect(ADDRESS, "default");
    try {
      connection.service().healthCheck();
    } catch (RuntimeException e) {
      throw new IllegalStateException("no Temporal server at " + ADDRESS + ": start it with infra/start-temporal-dev.sh", e);
    }
    SearchAttributeRegistration.register(connection.service(), "default");
    worker = new KilnWorker(connection.client(), store, true, true, 2, 1);
    worker.start();
    spec = RunSpecLoader.load(Path.of("src", "test", "resources", "real-server-test.yaml"));
    System.setProperty("aws.accessKeyId", EmbeddedStack.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", EmbeddedStack.SECRET_KEY);
  }

  @AfterAll
  static void disconnect() {
    worker.close();
    connection.close();
    store.close();
    storage.close();
  }

  @Test
  void aScheduledRunCompletesAndIsFoundByItsSearchAttributes() throws Exception {
    String schedule = "kiln-it-" + SUFFIX;
    String specPath = "src/test/resources/real-server-test.yaml";
    assertEquals(0, CLI.kiln("schedule", "create", schedule, specPath, "--interval", "PT12H", "--paused").code());
    try {
      assertEquals(0, CLI.kiln("schedule", "trigger", schedule).code());
      WorkflowExecutionMetadata run = awaitScheduledRun(schedule);
      String runId = run.getExecution().getWorkflowId();
      RunSummary summary = connection.client().newUntypedWorkflowStub(runId).getResult(10, TimeUnit.MINUTES, RunSummary.class);
      assertTrue(summary.evaluation().beatsBaseline());

      CliRunner.Result describe = CLI.kiln("schedule", "describe", schedule);
      assertTrue(describe.out().contains("1 started"), describe.out());
      CliRunner.Result listed = awaitListed("KilnStage='done' AND KilnArchitecture='decoder'", runId);
      assertTrue(listed.out().contains("done") && listed.out().contains("decoder"), listed.out());
      WebUi.assertListShows("KilnStage='done' AND KilnLoss > 0", runId, Path.of("target", "it-artifacts", "web-ui-runs.png"));
      var attributes = connection.client().newUntypedWorkflowStub(runId).describe().getTypedSearchAttributes();
      assertEquals("clm", attributes.get(KilnSearchAttributes.OBJECTIVE));
      assertEquals((long) spec.training().steps(), attributes.get(KilnSearchAttributes.STEP));
      assertTrue(attributes.get(KilnSearchAttributes.LOSS) > 0);
    } finally {
      assertEquals(0, CLI.kiln("schedule", "delete", schedule).code());
    }
    CliRunner.Result gone = CLI.kiln("schedule", "list");
    assertTrue(!gone.out().contains(schedule), gone.out());
  }

  @Test
  void aScheduledRunWithNoNewRawDataEndsAsSkippedNotFailed() throws Exception {
    String schedule = "kiln-it-nothing-new-" + SUFFIX;
    String specPath = "src/test/resources/real-server-only-new.yaml";
    RunSpec onlyNew = RunSpecLoader.load(Path.of(specPath));
    // an earlier run of the lineage consumed every raw object there is (recorded as a completed run records it)
    List<CurationActivitiesImpl.RawObject> all = store.list("raw/gutenberg-small/").stream()
        .map(o -> new CurationActivitiesImpl.RawObject(o.key(), o.size(), o.etag())).toList();
    store.put(CurationActivitiesImpl.consumedPrefix(onlyNew.name()) + "earlier-run.json", new ObjectMapper().writeValueAsBytes(all));
    assertEquals(0, CLI.kiln("schedule", "create", schedule, specPath, "--interval", "PT12H", "--paused", "--pause-on-failure").code());
    try {
      assertEquals(0, CLI.kiln("schedule", "trigger", schedule).code());
      String runId = awaitScheduledRun(schedule).getExecution().getWorkflowId();
      RunSummary summary = connection.client().newUntypedWorkflowStub(runId).getResult(5, TimeUnit.MINUTES, RunSummary.class);
      assertTrue(summary.isSkipped());
      assertTrue(summary.skipped().contains("no new raw data: all " + all.size() + " raw objects"), summary.skipped());
      assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, new RunWatcher(connection, System.out).status(runId));
      CliRunner.Result listed = awaitListed("KilnStage='skipped'", runId);
      assertTrue(listed.out().contains("skipped"), listed.out());
      CliRunner.Result status = CLI.kiln("status", runId);
      assertTrue(status.out().contains("skipped   no new raw data"), status.out());
    } finally {
      assertEquals(0, CLI.kiln("schedule", "delete", schedule).code());
    }
  }

  @Test
  void aRunSurvivesARestartOfTheTemporalServer() throws Exception {
    String runId = "restart-" + SUFFIX;
    PretrainingWorkflow run = connection.client().newWorkflowStub(PretrainingWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(runId).setTaskQueue(TaskQueues.CPU).build());
    CompletableFuture<RunSummary> result = WorkflowClient.execute(run::run, spec);
    RunWatcher watcher = new RunWatcher(connection, System.out);
    Instant deadline = Instant.now().plus(Duration.ofMinutes(10));
    while (!watcher.describe(runId).startsWith("[pretrain] step") && Instant.now().isBefore(deadline)) {
      Thread.sleep(500);
    }
    script("stop-temporal-dev.sh");
    Thread.sleep(3000);
    script("start-temporal-dev.sh");
    RunSummary summary = result.get(10, TimeUnit.MINUTES);
    assertEquals(spec.training().steps(), summary.training().finalCheckpoint().step());
    assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, watcher.status(runId));
  }

  private static void script(String name) throws Exception {
    Process p = new ProcessBuilder("bash", Path.of("..", "infra", name).toString()).inheritIO().start();
    assertEquals(0, p.waitFor(), name);
  }

  private static WorkflowExecutionMetadata awaitScheduledRun(String schedule) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
    while (Instant.now().isBefore(deadline)) {
      List<WorkflowExecutionMetadata> runs = connection.client()
          .listExecutions("TemporalScheduledById='" + schedule + "'").toList();
      if (!runs.isEmpty()) {
        return runs.get(0);
      }
      Thread.sleep(500);
    }
    throw new AssertionError("the triggered schedule started no run");
  }

  private static CliRunner.Result awaitListed(String query, String runId) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    CliRunner.Result listed;
    do {
      listed = CLI.kiln("list", "--query", query);
      if (listed.out().contains(runId)) {
        return listed;
      }
      Thread.sleep(500);
    } while (Instant.now().isBefore(deadline));
    throw new AssertionError(runId + " not found by " + query + ":\n" + listed.out() + listed.err());
  }

}
