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
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out on the real Temporal dev server (TEMPORAL_ADDRESS, started by the test command): two worker JVMs
 * ({@code kiln worker --queues cpu,gpu}) poll the same queues and nothing runs in this JVM but the client and
 * s3proxy. Curation shards spread over both workers; one is killed with SIGKILL while it curates a shard; the
 * other retries that shard and finishes the run. {@code kiln activities} shows who ran what, and every scheduled
 * activity carries its summary (user metadata) in the history.
 */
class TwoWorkersIT {
  static final String ADDRESS = Optional.ofNullable(System.getenv("TEMPORAL_ADDRESS")).orElse("127.0.0.1:7233");
  static final List<String> QUEUES = List.of(TaskQueues.CPU, TaskQueues.GPU);
  @TempDir Path home;
  private final Path logs = Path.of("target", "it-logs").toAbsolutePath();

  @Test
  void shardsSpreadOverTwoWorkersAndTheSurvivorFinishesTheRunAfterTheOtherIsKilled() throws Exception {
    RunSpec spec = RunSpecLoader.load(Path.of("src", "test", "resources", "two-workers-test.yaml"));
    String runId = "two-workers-" + Long.toString(System.currentTimeMillis(), 36);
    try (EmbeddedStack storage = EmbeddedStack.start(home.resolve("s3"), 0, 0);
        ObjectStore store = new ObjectStore(storage.storage("kiln"));
        TemporalConnection connection = TemporalConnection.connect(ADDRESS, "default")) {
      store.ensureBucket();
      TestData.seedSmallCorpus(store, TestData.dataDir());
      new DataSeeder(store).seedHub(Path.of("..", "configs", "hub"), TestData.dataDir());
      connection.service().healthCheck();
      SearchAttributeRegistration.register(connection.service(), "default");
      Files.createDirectories(logs);

      List<String> args = List.of("--queues", "cpu,gpu", "--curation-slots", "2");
      KilnProcess a = KilnProcess.worker(ADDRESS, storage.s3Endpoint().toString(), "kiln", logs, "two-workers-a", args);
      KilnProcess b = KilnProcess.worker(ADDRESS, storage.s3Endpoint().toString(), "kiln", logs, "two-workers-b", args);
      try {
        String identityA = KilnWorker.defaultIdentity(KilnWorker.hostname(), a.pid(), QUEUES);
        String identityB = KilnWorker.defaultIdentity(KilnWorker.hostname(), b.pid(), QUEUES);
        awaitPolling(a, identityA);
        awaitPolling(b, identityB);

        PretrainingWorkflow run = connection.client().newWorkflowStub(PretrainingWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId(runId).setTaskQueue(TaskQueues.CPU).build());
        CompletableFuture<RunSummary> result = WorkflowClient.execute(run::run, spec);

        // wait until both workers have taken shards and one of them, having finished a shard, curates another; kill it
        RunActivities reader = new RunActivities(connection);
        List<RunActivities.Activity> atKill = awaitVictim(reader, runId, List.of(identityA, identityB));
        String victim = victim(atKill, List.of(identityA, identityB)).orElseThrow();
        KilnProcess victimProcess = victim.equals(identityA) ? a : b;
        String survivor = victim.equals(identityA) ? identityB : identityA;
        Set<String> interrupted = atKill.stream()
            .filter(x -> isShard(x) && x.state().equals("running") && x.worker().equals(victim))
            .map(RunActivities.Activity::activityId).collect(Collectors.toSet());
        victimProcess.kill();
        System.out.println("killed " + victim + " while it curated " + interrupted.size() + " shard(s)");

        RunSummary summary = result.get(10, TimeUnit.MINUTES);
        assertEquals(spec.training().steps(), summary.training().finalCheckpoint().step());
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, new RunWatcher(connection, System.out).status(runId));
        assertFalse(victimProcess.isAlive());

        List<RunActivities.Activity> activities = reader.read(runId);
        List<RunActivities.Activity> shards = activities.stream().filter(TwoWorkersIT::isShard).toList();
        assertEquals(12, shards.size(), "two raw objects per shard, 24 objects");
        assertEquals(Set.of(identityA, identityB), shards.stream().map(RunActivities.Activity::worker).collect(Collectors.toSet()),
            "curation shards ran on both workers");
        assertTrue(shards.stream().allMatch(x -> x.state().equals("completed")));
        // the shards the victim was curating when it died were retried and finished by the survivor
        List<RunActivities.Activity> retried = shards.stream().filter(x -> interrupted.contains(x.activityId())).toList();
        assertTrue(retried.stream().anyMatch(x -> x.worker().equals(survivor) && x.attempts() >= 2
                && x.lastFailure() != null && x.lastFailure().contains("heartbeat")), retried.toString());
        // everything after curation ran on the survivor: the victim was dead by then
        for (RunActivities.Activity x : activities) {
          if (x.workflowId().equals(runId + "-train") || x.type().equals("Evaluate") || GLOBAL_STAGE.contains(x.type())) {
            assertEquals(survivor, x.worker(), x.toString());
          }
        }

        CliRunner.Result listed = new CliRunner("--address", ADDRESS).kiln("activities", runId);
        System.out.println("kiln activities " + runId + ":\n" + listed.out());
        assertEquals(0, listed.code(), listed.err());
        for (int shard = 1; shard <= 12; shard++) {
          assertTrue(listed.out().contains("curate shard " + shard + "/12"), listed.out());
        }
        assertTrue(listed.out().contains(identityA) && listed.out().contains(identityB), listed.out());
        assertTrue(listed.out().contains(runId + "-train"), listed.out());

        // the summaries the Web UI's timeline shows are the user metadata of the scheduled events
        List<String> summaries = connection.client().fetchHistory(runId + "-curate").getEvents().stream()
            .filter(HistoryEvent::hasActivityTaskScheduledEventAttributes)
            .map(e -> DefaultDataConverter.STANDARD_INSTANCE.fromPayload(e.getUserMetadata().getSummary(), String.class, String.class))
            .toList();
        List<String> expected = IntStream.rangeClosed(1, 12).mapToObj(i -> "curate shard " + i + "/12").toList();
        assertEquals(expected, summaries.subList(1, 13), summaries.toString());
        assertEquals("plan shards", summaries.get(0));
        assertTrue(summaries.get(13).startsWith("dedup keys ") && summaries.get(summaries.size() - 1).equals("merge manifest of 12 shards"),
            summaries.toString());
      } finally {
        a.close();
        b.close();
      }
    }
  }

  /** The activity types of curation's global stage (the partitioned one a new run takes), which follow every shard. */
  private static final Set<String> GLOBAL_STAGE = Set.of("WriteDedupKeys", "FindNearDuplicatePairs", "FindExactDuplicates",
      "ClusterDuplicates", "FilterShard", "SummarizeGlobalStage", "TrainTokenizerOnSample", "TokenizeShard", "MergeManifest");

  private static boolean isShard(RunActivities.Activity x) {
    return x.type().equals("CurateShard");
  }

  private static void awaitPolling(KilnProcess worker, String identity) throws Exception {
    worker.awaitLog("kiln worker " + identity + ": polling", Duration.ofMinutes(2));
  }

  /** The run's activities at the first moment {@link #victim} finds a worker to kill. */
  private static List<RunActivities.Activity> awaitVictim(RunActivities reader, String runId, List<String> workers)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
    List<RunActivities.Activity> now = List.of();
    while (Instant.now().isBefore(deadline)) {
      try {
        now = reader.read(runId);
      } catch (io.grpc.StatusRuntimeException childNotStartedYet) {
        Thread.sleep(100);
        continue;
      }
      if (victim(now, workers).isPresent()) {
        return now;
      }
      if (now.stream().anyMatch(x -> GLOBAL_STAGE.contains(x.type()))) {
        throw new AssertionError("curation's shards were all done before a worker could be killed mid-shard:\n" + RunActivities.format(now));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the shards never spread over both workers:\n" + RunActivities.format(now));
  }

  /**
   * A worker that has completed a shard (so the history keeps its name) and curates another now, while the other
   * worker has taken a shard too; empty if there is none yet.
   */
  private static Optional<String> victim(List<RunActivities.Activity> activities, List<String> workers) {
    List<RunActivities.Activity> shards = activities.stream().filter(TwoWorkersIT::isShard).toList();
    for (String w : workers) {
      String other = workers.get(1 - workers.indexOf(w));
      boolean completed = shards.stream().anyMatch(x -> x.worker().equals(w) && x.state().equals("completed"));
      boolean running = shards.stream().anyMatch(x -> x.worker().equals(w) && x.state().equals("running"));
      boolean otherTook = shards.stream().anyMatch(x -> x.worker().equals(other));
      if (completed && running && otherTook) {
        return Optional.of(w);
      }
    }
    return Optional.empty();
  }
}
