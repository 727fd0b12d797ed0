package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.curation.CurationActivitiesImpl;
import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.curation.CurationRequest;
import dev.kiln.workflows.curation.CurationResult;
import dev.kiln.workflows.curation.CurationWorkflow;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.client.WorkflowOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out on the real Temporal dev server (TEMPORAL_ADDRESS, started by the test command), the "two
 * workers on one machine share every fan-out stage (the activities listing shows both)": two worker JVMs
 * ({@code kiln worker --queues cpu --curation-slots 1}) curate 33 handbook pages, one to a shard, and for every
 * stage that fans out (curate shard, dedup keys, near-dup buckets, exact-dup partitions, filter, tokenize) both
 * workers ran at least one task, as {@code kiln activities} lists them and as the history records them (the
 * identity of each ActivityTaskStarted, by activity type). Only curation runs ({@link CurationWorkflow} directly, as
 * the pretraining workflow starts it): the stages after it run once and say nothing about sharing.
 *
 * <p>Why sharing is all but certain here, also on a loaded machine where one JVM may be much slower than the other:
 * each worker has one curation slot, and the SDK polls for an activity only while it has a free slot. Every stage
 * schedules its first tasks (up to 8) in one workflow task, when both workers are idle and polling (the previous
 * stage has ended, and the workers take nothing else); one worker takes a task and stops polling until it is done,
 * so the next task can only go to the other worker's open poll, however slow or fast either one runs. Several tasks
 * per stage (33 shards; 14 band groups; 3 exact-dup partitions, one per 16 shards) leave more chances still. With
 * more slots one worker can take a whole small stage (e.g. both exact-dup partitions) before the other polls again.
 * Nothing here is timed.
 */
class TwoWorkersShareFanOutIT {
  static final String ADDRESS = Optional.ofNullable(System.getenv("TEMPORAL_ADDRESS")).orElse("127.0.0.1:7233");
  static final List<String> QUEUES = List.of(TaskQueues.CPU);
  static final int SHARDS = 33; // one handbook page a shard; 3 exact-dup partitions (one per 16 shards)
  @TempDir Path home;
  private final Path logs = Path.of("target", "it-logs").toAbsolutePath();

  /** The fan-out stages: activity type, and the summary the listing shows before " i/n". */
  static final Map<String, String> FAN_OUT = new LinkedHashMap<>();

  static {
    FAN_OUT.put("CurateShard", "curate shard");
    FAN_OUT.put("WriteDedupKeys", "dedup keys");
    FAN_OUT.put("FindNearDuplicatePairs", "near-dup buckets");
    FAN_OUT.put("FindExactDuplicates", "exact-dup partitions");
    FAN_OUT.put("FilterShard", "filter");
    FAN_OUT.put("TokenizeShard", "tokenize");
  }

  /** A listing row: workflow, summary, worker, attempts, time, state; columns two or more spaces apart. */
  private static final Pattern ROW = Pattern.compile("^(\\S+)  +(.+?)  +(\\S+)  +(\\d+)  +(.+?)  +(\\S.*)$");
  private static final Pattern FAN_OUT_SUMMARY = Pattern.compile("^(.+) (\\d+)/(\\d+)$");

  @Test
  void twoWorkersShareEveryFanOutStageOfCuration() throws Exception {
    RunSpec spec = RunSpecLoader.load(Path.of("src", "test", "resources", "two-workers-fan-out-test.yaml"));
    String runId = "share-fan-out-" + Long.toString(System.currentTimeMillis(), 36);
    try (EmbeddedStack storage = EmbeddedStack.start(home.resolve("s3"), 0, 0);
        ObjectStore store = new ObjectStore(storage.storage("kiln"));
        TemporalConnection connection = TemporalConnection.connect(ADDRESS, "default")) {
      store.ensureBucket();
      Path data = TestData.dataDir();
      try (var lists = Files.list(data.resolve("lists/ldnoobw"))) {
        for (Path list : lists.sorted().toList()) {
          store.put(CurationActivitiesImpl.BAD_WORD_LISTS + list.getFileName(), list);
        }
      }
      try (var pages = Files.list(data.resolve("raw/debian-handbook/en-US"))) {
        for (Path page : pages.sorted().limit(SHARDS).toList()) {
          store.put("raw/handbook-pages/" + page.getFileName(), page);
        }
      }
      connection.service().healthCheck();
      SearchAttributeRegistration.register(connection.service(), "default");
      Files.createDirectories(logs);

      List<String> args = List.of("--queues", "cpu", "--curation-slots", "1");
      KilnProcess a = KilnProcess.worker(ADDRESS, storage.s3Endpoint().toString(), "kiln", logs, "share-fan-out-a", args);
      KilnProcess b = KilnProcess.worker(ADDRESS, storage.s3Endpoint().toString(), "kiln", logs, "share-fan-out-b", args);
      try {
        String identityA = KilnWorker.defaultIdentity(KilnWorker.hostname(), a.pid(), QUEUES);
        String identityB = KilnWorker.defaultIdentity(KilnWorker.hostname(), b.pid(), QUEUES);
        a.awaitLog("kiln worker " + identityA + ": polling", Duration.ofMinutes(2));
        b.awaitLog("kiln worker " + identityB + ": polling", Duration.ofMinutes(2));

        CurationResult result = connection.client().newWorkflowStub(CurationWorkflow.class,
                WorkflowOptions.newBuilder().setWorkflowId(runId).setTaskQueue(TaskQueues.CPU)
                    .setWorkflowExecutionTimeout(Duration.ofMinutes(10)).build())
            .curate(new CurationRequest(runId, spec, null, null));
        assertTrue(result.keptDocuments() > 0, result.toString());
        Set<String> both = Set.of(identityA, identityB);

        // the evidence: the listing, each fan-out task's summary with the worker that ran it
        CliRunner.Result listed = new CliRunner("--address", ADDRESS).kiln("activities", runId);
        System.out.println("kiln activities " + runId + ":\n" + listed.out());
        assertEquals(0, listed.code(), listed.err());
        Map<String, Set<String>> listedWorkers = new TreeMap<>();
        Map<String, Integer> listedTasks = new TreeMap<>();
        for (String line : listed.out().split("\n")) {
          Matcher row = ROW.matcher(line);
          if (!row.matches() || !row.group(1).equals(runId)) {
            continue;
          }
          Matcher summary = FAN_OUT_SUMMARY.matcher(row.group(2));
          if (summary.matches() && FAN_OUT.containsValue(summary.group(1))) {
            // "completed", or "completed (previous attempt: ...)" when a starved JVM missed a heartbeat and was retried
            assertTrue(row.group(6).startsWith("completed"), line);
            listedWorkers.computeIfAbsent(summary.group(1), s -> new TreeSet<>()).add(row.group(3));
            listedTasks.merge(summary.group(1), 1, Integer::sum);
          }
        }
        System.out.println("workers per fan-out stage in the listing: " + listedWorkers + ", tasks: " + listedTasks);
        Map<String, Integer> expectedTasks = Map.of("curate shard", SHARDS, "dedup keys", SHARDS, "near-dup buckets", 14,
            "exact-dup partitions", 3, "filter", SHARDS, "tokenize", SHARDS);
        assertEquals(new TreeMap<>(expectedTasks), listedTasks, listed.out());
        for (String stage : FAN_OUT.values()) {
          assertEquals(both, listedWorkers.get(stage), "both workers ran " + stage + " tasks:\n" + listed.out());
        }
        assertTrue(listed.out().contains("  " + identityA + ": ") && listed.out().contains("  " + identityB + ": "), listed.out());

        // the same from the history: the identity of every ActivityTaskStarted, by activity type
        List<RunActivities.Activity> activities = new RunActivities(connection).read(runId);
        Map<String, Set<String>> byType = activities.stream().filter(x -> FAN_OUT.containsKey(x.type()))
            .collect(Collectors.groupingBy(RunActivities.Activity::type, TreeMap::new,
                Collectors.mapping(RunActivities.Activity::worker, Collectors.toCollection(TreeSet::new))));
        assertEquals(FAN_OUT.keySet(), byType.keySet(), byType.toString());
        byType.forEach((type, workers) -> assertEquals(both, workers, "both workers ran " + type + ": " + byType));
      } finally {
        a.close();
        b.close();
      }
    }
  }
}
