package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.storage.StorageSettings;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.worker.embedded.LocalS3;
import dev.kiln.worker.embedded.TemporalDevServer;
import dev.kiln.workflows.pretraining.RunSummary;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.training.TrainingHeartbeat;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker upgrade under a running run, on a real Temporal dev server of its own (Worker Deployments change how its
 * task queues route, which must not touch the other tests' server). A run starts on worker build A of deployment
 * "kiln"; during pretraining A is stopped and build B starts and becomes current. B is this code plus a change to
 * PretrainingWorkflow's decisions at a point the run has already passed (a timer before scope), guarded by a version
 * marker, compiled here from the real source. The run completes on B with no nondeterminism error, and its final
 * weights are bitwise those of an uninterrupted run.
 */
class UpgradeIT {
  private static final Path SPEC = Path.of("src", "test", "resources", "durable-test.yaml");
  private static final String ANCHOR = "    enter(Stage.SCOPE);\n";
  private static final String GUARDED_CHANGE = "    if (io.temporal.workflow.Workflow.getVersion(\"upgrade-it-timer\", "
      + "io.temporal.workflow.Workflow.DEFAULT_VERSION, 1) == 1) {\n"
      + "      io.temporal.workflow.Workflow.sleep(java.time.Duration.ofMillis(10));\n    }\n";

  @TempDir Path dir;
  private final Path logs = Path.of("target", "it-logs").toAbsolutePath();

  @Test
  void aRunStartedOnBuildACompletesOnBuildBBitwise() throws Exception {
    RunSpec spec = RunSpecLoader.load(SPEC);
    Path buildB = compileBuildB(dir.resolve("build-b"));
    try (TemporalDevServer server = TemporalDevServer.start(dir.resolve("temporal"), 0, 0, System.out);
        LocalS3 s3 = LocalS3.start(dir.resolve("s3"), EmbeddedStack.freePort());
        TemporalConnection connection = TemporalConnection.connect(server.address(), "default")) {
      WorkflowClient client = connection.client();
      String s3Endpoint = s3.endpoint().toString();

      // the uninterrupted reference, before the task queues belong to a deployment
      ObjectStore reference = bucket(s3, "reference");
      try (KilnProcess worker = KilnProcess.worker(server.address(), s3Endpoint, "reference", logs, "upgrade-reference",
          List.of("--queues", "cpu,gpu"))) {
        worker.awaitLog("polling", Duration.ofMinutes(2));
        TestRuns.start(client, spec, "upgrade-reference").get(10, TimeUnit.MINUTES);
      }

      ObjectStore upgraded = bucket(s3, "upgraded");
      String id = "upgrade-run";
      KilnProcess a = KilnProcess.worker(server.address(), s3Endpoint, "upgraded", logs, "upgrade-build-a",
          List.of("--queues", "cpu,gpu", "--deployment-name", "kiln", "--build-id", "A", "--make-current"));
      KilnProcess b = null;
      try {
        a.awaitLog("is now the current version", Duration.ofMinutes(2));
        CompletableFuture<RunSummary> result = TestRuns.start(client, spec, id);
        TrainingHeartbeat beat = TestRuns.awaitTrainingStep(new RunWatcher(connection, System.out), id + "-train", 150, a);
        a.close(); // SIGTERM: build A goes away mid-segment, as in a rolling deployment
        System.out.println("stopped build A at step " + beat.step());
        b = KilnProcess.start(logs, "upgrade-build-b", Map.of(), List.of(buildB), "worker", "--address", server.address(),
            "--s3-endpoint", s3Endpoint, "--bucket", "upgraded", "--queues", "cpu,gpu", "--deployment-name", "kiln",
            "--build-id", "B", "--make-current");
        b.awaitLog("is now the current version", Duration.ofMinutes(2));
        RunSummary summary = result.get(10, TimeUnit.MINUTES);
        assertEquals(spec.training().steps(), summary.training().finalCheckpoint().step());
        assertFalse(b.log().contains("NonDeterministic"), b.log());
        assertTrue(ranOnBuildB(client, id), "the run's last workflow tasks ran on build B");
      } finally {
        a.close();
        if (b != null) {
          b.close();
        }
      }
      String weights = "runs/%s/model/model.safetensors";
      assertEquals(ObjectStore.sha256(reference.get(weights.formatted("upgrade-reference"))),
          ObjectStore.sha256(upgraded.get(weights.formatted(id))), "final weights bitwise equal to the uninterrupted run's");
    }
  }

  /** Build B: PretrainingWorkflowImpl from the real source with a guarded change, compiled against this build. */
  private static Path compileBuildB(Path out) throws Exception {
    Path source = Path.of("..", "workflows", "src", "main", "java", "dev", "kiln", "workflows", "pretraining", "PretrainingWorkflowImpl.java");
    String code = Files.readString(source);
    assertTrue(code.contains(ANCHOR), "the anchor of the change is still in " + source);
    Path patched = out.resolve("src/dev/kiln/workflows/pretraining/PretrainingWorkflowImpl.java");
    Files.createDirectories(patched.getParent());
    Files.writeString(patched, code.replace(ANCHOR, GUARDED_CHANGE + ANCHOR));
    Path classes = Files.createDirectories(out.resolve("classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    List<String> jars = new java.util.ArrayList<>(List.of(Path.of("target", "classes").toString()));
    try (var lib = Files.list(Path.of("target", "lib"))) {
      lib.map(Path::toString).sorted().forEach(jars::add);
    }
    String classpath = String.join(File.pathSeparator, jars);
    int status = javac.run(null, null, null, "-d", classes.toString(), "-cp", classpath, "--release", "17", patched.toString());
    assertEquals(0, status, "build B compiles");
    assertTrue(Files.exists(classes.resolve("dev/kiln/workflows/pretraining/PretrainingWorkflowImpl.class")));
    return classes;
  }

  private static boolean ranOnBuildB(WorkflowClient client, String id) {
    List<HistoryEvent> events = client.fetchHistory(id).getEvents();
    return events.stream()
        .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
        .reduce((first, second) -> second)
        .map(e -> e.getWorkflowTaskCompletedEventAttributes().getDeploymentVersion().getBuildId())
        .filter("B"::equals)
        .isPresent();
  }

  private static ObjectStore bucket(LocalS3 s3, String name) throws Exception {
    ObjectStore store = new ObjectStore(new StorageSettings(s3.endpoint(), name, "us-east-1", EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY));
    store.ensureBucket();
    TestData.seedSmallCorpus(store, TestData.dataDir());
    return store;
  }

}
