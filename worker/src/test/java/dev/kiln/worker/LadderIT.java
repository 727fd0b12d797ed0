package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.workflows.KilnSearchAttributes;
import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.ladder.LadderSpec;
import dev.kiln.workflows.ladder.LadderSummary;
import dev.kiln.workflows.ladder.LadderWorkflow;
import dev.kiln.workflows.ladder.RungResult;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.training.TrainingHeartbeat;
import dev.kiln.workflows.training.TrainingResult;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scaling-law ladder end to end on the embedded stack: 3 budgets x 3 sizes of tiny GPTs, curated once, trained as
 * nine training workflows two at a time on a training worker in its own JVM, which is SIGKILLed while a rung trains.
 * A second worker takes over: the killed rung resumes from its last committed checkpoint (it loses only the steps
 * after it) and is not started again as a new rung; every rung's result and the report land under ladders/<id>/.
 * Workflows and CPU activities run in this JVM (see WorkerKillIT for why).
 */
class LadderIT {
  private static final String LADDER = "ladder-it";
  private static final String WATCHED = LADDER + "-c8e10-d64-train";
  private static final int KILL_AFTER_STEP = 100;

  @TempDir Path home;
  private final Path logs = Path.of("target", "it-logs").toAbsolutePath();

  @Test
  void nineRungsTrainCurateOnceAndAKilledWorkerLosesOnlyUncheckpointedSteps() throws Exception {
    Instant began = Instant.now();
    Path data = TestData.dataDir();
    RunSpec run = RunSpecLoader.load(Path.of("src", "test", "resources", "ladder-test.yaml"));
    LadderSpec spec = LadderSpec.isoFlop(run, List.of(2e10, 4e10, 8e10), List.of(64, 96, 128));
    try (EmbeddedStack stack = EmbeddedStack.start(home.resolve("s3"), 0, 0);
        ObjectStore store = new ObjectStore(stack.storage("kiln"));
        TemporalConnection connection = TemporalConnection.connect(stack.temporalAddress(), "default")) {
      store.ensureBucket();
      TestData.seedSmallCorpus(store, data);
      Files.createDirectories(logs);
      KilnWorker workflows = new KilnWorker(connection.client(), store, true, false, 2, 0);
      workflows.start();
      KilnProcess first = KilnProcess.worker(stack, "kiln", logs, "ladder-worker-1", "--gpu-slots", "2");
      KilnProcess second = null;
      try {
        LadderWorkflow ladder = connection.client().newWorkflowStub(LadderWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId(LADDER).setTaskQueue(TaskQueues.CPU).build());
        CompletableFuture<LadderSummary> result = WorkflowClient.execute(ladder::run, spec);

        RunWatcher watcher = new RunWatcher(connection, System.out);
        TrainingHeartbeat beat = awaitCheckpointedStep(watcher, WATCHED, KILL_AFTER_STEP, first);
        first.kill();
        System.out.println("killed training worker " + first.pid() + " while " + WATCHED + " was at step " + beat.step()
            + " (last checkpoint " + beat.lastCheckpoint().step() + ")");
        second = KilnProcess.worker(stack, "kiln", logs, "ladder-worker-2", "--gpu-slots", "2");

        LadderSummary summary = result.get(20, TimeUnit.MINUTES);
        Duration took = Duration.between(began, Instant.now());
        System.out.println("ladder of " + summary.rungs().size() + " rungs finished in " + took.toSeconds() + " s");

        assertEquals(9, summary.rungs().size(), summary.toString());
        assertEquals(List.of(), summary.failed());
        for (RungResult r : summary.rungs()) {
          assertEquals(1, r.attempts(), "a killed worker does not restart a rung: " + r);
          assertTrue(Double.isFinite(r.loss()) && r.loss() > 0, r.toString());
          assertTrue(r.tokensPerSecond() > 0, r.toString());
          assertEquals(32, r.contextLength());
          assertTrue(store.exists(LadderSpec.rungKey(LADDER, r.rung())), r.rung());
        }
        assertEquals(3, summary.rungs().stream().map(RungResult::budget).distinct().count());
        assertTrue(summary.rungs().stream().anyMatch(r -> r.peakMemoryBytes() > 0), "peak memory measured on Linux");
        // at one budget, the larger models see fewer tokens: D = C / 6N
        RungResult small = rung(summary, "c8e10-d64");
        RungResult large = rung(summary, "c8e10-d128");
        assertTrue(small.tokens() > large.tokens(), small + " vs " + large);

        // the killed rung resumed from a committed checkpoint at or before the step it was killed at
        TrainingResult watched = connection.client().newUntypedWorkflowStub(WATCHED).getResult(TrainingResult.class);
        // (a loaded machine may interrupt a rung before the kill too: find the resume that followed the kill)
        int every = run.training().checkpointEvery();
        int resumedAt = watched.resumes().stream()
            .filter(r -> r > 0 && r <= beat.step() && r >= beat.lastCheckpoint().step() - every)
            .reduce((a, b) -> b)
            .orElseThrow(() -> new AssertionError("no resume from a checkpoint near step " + beat.step() + " in "
                + watched.resumes()));
        assertEquals(0, resumedAt % every, "resumed exactly at a checkpoint: " + watched.resumes());
        System.out.println(WATCHED + " resumed from committed step " + resumedAt + ": lost " + (beat.step() - resumedAt)
            + " steps");

        // curated once, for all rungs
        assertEquals(1, store.list("runs/" + LADDER + "/curated/").stream()
            .filter(o -> o.key().endsWith("manifest.json")).count());
        assertTrue(store.exists(LadderSpec.reportKey(LADDER)));
        JsonNode report = new ObjectMapper().readTree(store.get(LadderSpec.reportKey(LADDER)));
        assertEquals(9, report.get("points").size());
        assertTrue(store.exists(LadderSpec.prefix(LADDER) + "report.txt"));
        assertTrue(store.exists(LadderSpec.prefix(LADDER) + "README.md"));

        // the CLI: status and report of the finished ladder, and a ladder id that does not exist
        System.setProperty("aws.accessKeyId", EmbeddedStack.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", EmbeddedStack.SECRET_KEY);
        System.setProperty("aws.region", "us-east-1");
        CliRunner cli = new CliRunner("--address", stack.temporalAddress(), "--s3-endpoint", stack.s3Endpoint().toString(),
            "--bucket", "kiln");
        CliRunner.Result status = cli.kiln("ladder", "status", LADDER);
        assertEquals(0, status.code(), status.err());
        assertTrue(status.out().contains(LADDER + ": completed") && status.out().contains("c8e10-d128"), status.out());
        CliRunner.Result printed = cli.kiln("ladder", "report", LADDER);
        assertEquals(0, printed.code(), printed.err());
        assertTrue(printed.out().contains("peak MiB") && printed.out().contains("c2e10-d64"), printed.out());
        CliRunner.Result missing = cli.kiln("ladder", "status", "no-such-ladder");
        assertEquals(2, missing.code(), missing.err());
        assertTrue(missing.err().contains("no ladder no-such-ladder on"), missing.err());
        CliRunner.Result notALadder = cli.kiln("ladder", "report", WATCHED);
        assertEquals(2, notALadder.code(), notALadder.err());
        assertTrue(notALadder.err().contains("is a TrainingWorkflow, not a ladder"), notALadder.err());
        System.out.print(printed.out());

        // the rungs are findable by ladder in visibility, with their budget and N
        var attributes = connection.client().newUntypedWorkflowStub(WATCHED).describe().getTypedSearchAttributes();
        assertEquals(LADDER, attributes.get(KilnSearchAttributes.LADDER));
        assertEquals(8e10, attributes.get(KilnSearchAttributes.BUDGET), 1);
        assertEquals(small.parameters(), (long) attributes.get(KilnSearchAttributes.PARAMETERS));
      } finally {
        workflows.close();
        first.close();
        if (second != null) {
          second.close();
        }
      }
    }
  }

  private static RungResult rung(LadderSummary summary, String name) {
    return summary.rungs().stream().filter(r -> r.rung().equals(name)).findFirst().orElseThrow();
  }

  /** The rung's training heartbeat once it is past {@code step} with a checkpoint; fails if the worker exits. */
  private static TrainingHeartbeat awaitCheckpointedStep(RunWatcher watcher, String trainingId, int step, KilnProcess worker)
      throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(15));
    while (Instant.now().isBefore(deadline)) {
      try {
        Optional<TrainingHeartbeat> beat = watcher.trainingHeartbeat(trainingId);
        if (beat.isPresent() && beat.get().step() >= step && beat.get().lastCheckpoint() != null) {
          return beat.get();
        }
      } catch (io.grpc.StatusRuntimeException notStartedYet) {
        // the rung's training workflow starts when a slot frees up
      }
      if (!worker.isAlive()) {
        throw new AssertionError("the training worker exited; its log:\n" + worker.log());
      }
      Thread.sleep(100);
    }
    throw new AssertionError(trainingId + " never reached step " + step + "; worker log:\n" + worker.log());
  }
}
