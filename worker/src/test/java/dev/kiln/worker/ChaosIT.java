package dev.kiln.worker;

import dev.kiln.workflows.training.Objective;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.storage.StorageSettings;
import dev.kiln.activities.tokenizer.TokenManifest;
import dev.kiln.activities.tokenizer.TokenShards;
import dev.kiln.activities.training.CheckpointStore;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.training.CheckpointRef;
import dev.kiln.workflows.training.GoodputLedger;
import dev.kiln.workflows.training.Interruption;
import dev.kiln.workflows.training.Rollback;
import dev.kiln.workflows.training.TrainingConfig;
import dev.kiln.workflows.training.TrainingHeartbeat;
import dev.kiln.workflows.training.TrainingRequest;
import dev.kiln.workflows.training.TrainingResult;
import dev.kiln.workflows.training.TrainingWorkflow;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.DataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos suite: training that really breaks. Storage is s3proxy in its own process ({@code kiln storage}),
 * training runs in worker JVMs ({@code kiln worker --queues gpu}) that are killed with SIGKILL; the training
 * workflow and its checkpoint commits run on a worker in this JVM against Temporal's in-JVM server.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosIT {
  private static final String BUCKET = "chaos";
  private static final Pattern PID = Pattern.compile("(\\d+)[@/]");
  private static final Path LOGS = Path.of("target", "it-logs", "chaos").toAbsolutePath();
  /** Figures for bench/resilience/run.sh. */
  static final Path FIGURES = Path.of("target", "chaos-figures.txt").toAbsolutePath();
  private static final int HEARTBEAT_SECONDS = 4;

  @TempDir static Path home;
  static Path s3Dir;
  static int s3Port;
  static KilnProcess storage;
  static TestServer.PortBoundTestServer temporal;
  static String temporalAddress;
  static TemporalConnection connection;
  static ObjectStore store;
  static KilnWorker workflows;
  static final List<KilnProcess> trainers = new ArrayList<>();
  static int workerCount;
  static int storageStarts;

  @BeforeAll
  static void start() throws Exception {
    Files.deleteIfExists(FIGURES);
    s3Dir = home.resolve("s3");
    s3Port = EmbeddedStack.freePort();
    storage = startStorage();
    store = new ObjectStore(new StorageSettings(
        java.net.URI.create("http://127.0.0.1:" + s3Port), BUCKET, "us-east-1", EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY));
    store.ensureBucket();
    int port = EmbeddedStack.freePort();
    temporal = TestServer.createPortBoundServer(port, true);
    temporalAddress = "127.0.0.1:" + port;
    WorkflowServiceStubs service = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(temporalAddress).build());
    try {
      SearchAttributeRegistration.register(service, "default");
    } finally {
      service.shutdown();
    }
    connection = TemporalConnection.connect(temporalAddress, "default");
    workflows = new KilnWorker(connection.client(), store, true, false, 1, 0);
    workflows.start();
    writeCorpus("text", textTokens());
    writeCorpus("spiky", spikyTokens());
    for (int i = 0; i < 2; i++) {
      trainers.add(newTrainer());
    }
    for (KilnProcess trainer : trainers) {
      awaitPolling(trainer);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (KilnProcess trainer : trainers) {
      trainer.close();
    }
    if (workflows != null) {
      workflows.close();
    }
    if (connection != null) {
      connection.close();
    }
    if (temporal != null) {
      temporal.close();
    }
    if (store != null) {
      store.close();
    }
    if (storage != null) {
      storage.close();
    }
  }

  // ---- the tests

  @Test
  @Order(1)
  void twentySigkillsLeaveTheFinalWeightsBitwiseIdenticalToAnUninterruptedRun() throws Exception {
    int killCount = 20;
    TrainingConfig config = config("text", 2400, 0.1);
    TrainingResult reference = awaitResult(startTraining("reference", config, policy()), Duration.ofMinutes(10));

    String id = "killed";
    WorkflowStub run = startTraining(id, config, policy());
    Random random = new Random(20);
    List<String> kills = new ArrayList<>();
    String lastKilledActivity = null;
    // Kills are placed by training progress, not by time, so that all of them land before training ends however
    // fast the machine is: kill k comes a random 0-500 ms after a checkpoint past a random step of the k-th of 22
    // equal parts of the run has been written - mid-step, mid-upload, during a restart's setup, anywhere.
    int part = config.steps() / (killCount + 2);
    while (kills.size() < killCount) {
      int threshold = (kills.size() + 1) * part + random.nextInt(part / 2);
      Optional<PendingActivityInfo> running = awaitCheckpointOnDisk(id, threshold, lastKilledActivity);
      if (running.isEmpty()) {
        break; // training finished before this kill
      }
      Thread.sleep(random.nextInt(500));
      if (!stillRunning(id + "-train", running.get().getActivityId())) {
        continue; // the segment finished meanwhile: kill the next one instead
      }
      KilnProcess victim = trainerRunning(running.get());
      victim.kill();
      trainers.remove(victim);
      trainers.add(awaitPolling(newTrainer()));
      lastKilledActivity = running.get().getActivityId();
      kills.add("kill " + (kills.size() + 1) + ": worker " + victim.pid() + " during " + running.get().getActivityId()
          + " (checkpoint at step >= " + threshold + " written; last heartbeat at step "
          + heartbeat(running.get()).map(TrainingHeartbeat::step).orElse(-1) + ")");
    }
    TrainingResult result = awaitResult(run, Duration.ofMinutes(10));
    kills.forEach(System.out::println);
    report("kills", result);
    assertEquals(killCount, kills.size(), "training ended after " + kills.size() + " kills");
    assertEquals(config.steps(), result.finalCheckpoint().step());
    long lost = result.interruptions().stream().filter(i -> i.cause().startsWith("worker lost")).count();
    assertEquals(killCount, lost, GoodputLedger.details(result.interruptions(), List.of(), List.of(), null).toString());
    assertEquals(sha256OfModel(reference), sha256OfModel(result),
        "the final weights after 20 kills are bitwise those of the uninterrupted run");
    for (Interruption i : result.interruptions()) {
      assertTrue(i.resumed(), "every interruption was followed by training: " + i);
    }
  }

  @Test
  @Order(2)
  void aSixtySecondStorageOutageDuringCheckpointUploadsFailsNothing() throws Exception {
    TrainingConfig config = config("text", 1200, 0.0);
    String id = "outage";
    WorkflowStub run = startTraining(id, config, policy());
    awaitCommittedStep(id + "-train", 100);
    storage.close(); // storage goes away while training uploads a checkpoint every few hundred milliseconds
    System.out.println("storage stopped at " + Instant.now());
    Thread.sleep(60_000);
    storage = startStorage();
    System.out.println("storage back at " + Instant.now());
    TrainingResult result = awaitResult(run, Duration.ofMinutes(10));
    report("outage", result);
    assertEquals(config.steps(), result.finalCheckpoint().step());
    assertTrue(result.interruptions().isEmpty(), "the outage was waited out, not turned into a failure: "
        + GoodputLedger.details(result.interruptions(), result.rollbacks(), result.warnings(), result.totals()));
    for (CheckpointRef ref : result.committed()) {
      if (store.exists(ref.prefix() + "manifest.json")) {
        new CheckpointStore(store).read(ref, config.hash(), config.legacyHash()); // no torn checkpoint among those kept
      }
    }
  }

  @Test
  @Order(3)
  void aCorruptedNewestCheckpointIsDetectedOnResumeAndThePreviousOneUsed() throws Exception {
    TrainingConfig config = config("text", 3000, 0.0);
    String id = "corrupt";
    WorkflowStub run = startTraining(id, config, policy());
    TrainingWorkflow training = connection.client().newWorkflowStub(TrainingWorkflow.class, id + "-train");
    awaitCommittedStep(id + "-train", 150);
    var paused = training.pause("chaos: corrupt the newest checkpoint");
    CheckpointRef newest = training.progress().lastCheckpoint();
    assertEquals(paused.step(), newest.step());
    Path model = s3Dir.resolve(BUCKET).resolve(newest.prefix() + "model.safetensors");
    byte[] bytes = Files.readAllBytes(model);
    for (int i = bytes.length / 2; i < bytes.length / 2 + 64; i++) {
      bytes[i] ^= (byte) 0xff;
    }
    Files.write(model, bytes);
    training.resume();
    TrainingResult result = awaitResult(run, Duration.ofMinutes(10));
    report("corruption", result);
    assertEquals(config.steps(), result.finalCheckpoint().step());
    assertTrue(result.interruptions().stream().anyMatch(i -> i.cause().equals("corrupt checkpoint")
            && i.resumedFromStep() < newest.step()),
        GoodputLedger.details(result.interruptions(), result.rollbacks(), result.warnings(), result.totals()).toString());
    assertTrue(result.warnings().stream().anyMatch(w -> w.contains(newest.prefix())), result.warnings().toString());
  }

  @Test
  @Order(4)
  void aDataWindowThatMakesTheLossExplodeIsRolledBackAndSkipped() throws Exception {
    TrainingConfig config = config("spiky", 700, 0.0);
    RunSpec.Resilience policy = policy().overriddenBy(new RunSpec.Resilience(null, null, null, 3.0, 20, 12, null, null, null));
    TrainingResult result = awaitResult(startTraining("spike", config, policy), Duration.ofMinutes(10));
    report("spike", result);
    assertEquals(config.steps(), result.finalCheckpoint().step());
    assertFalse(result.rollbacks().isEmpty(), "the garbage window made the loss explode at least once");
    for (Rollback r : result.rollbacks()) {
      assertTrue(r.anomaly().loss() > 3.0 * r.anomaly().movingAverage(), r.toString());
      assertTrue(r.skipped().from() <= r.anomaly().dataIndex() && r.anomaly().dataIndex() < r.skipped().to(),
          "the offending batch is skipped: " + r);
      assertTrue(r.toStep() <= r.anomaly().step());
    }
    assertTrue(result.finalCheckpoint().trainLoss() < 1.0, "training recovered: loss " + result.finalCheckpoint().trainLoss());
  }

  // ---- helpers

  private static RunSpec.Resilience policy() {
    return RunSpec.Resilience.DEFAULTS.overriddenBy(
        new RunSpec.Resilience(true, 3, 10, 0.0, 50, 3, HEARTBEAT_SECONDS, 60, 1000));
  }

  private static TrainingConfig config(String corpus, int steps, double dropout) {
    ModelShape shape = new ModelShape(257, 32, 32, 2, 2);
    return new TrainingConfig(shape, Objective.CLM, 8, steps, 1e-2, 1e-3, 20, 0.1, 1.0, dropout, 77, 25, "cpu",
        "chaos/" + corpus + "/manifest.json", null);
  }

  private static WorkflowStub startTraining(String runId, TrainingConfig config, RunSpec.Resilience policy) {
    TrainingWorkflow stub = connection.client().newWorkflowStub(TrainingWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(runId + "-train").setTaskQueue(TaskQueues.CPU).build());
    WorkflowClient.start(stub::train, new TrainingRequest(runId, config, 400, policy, null));
    return WorkflowStub.fromTyped(stub);
  }

  private static TrainingResult awaitResult(WorkflowStub run, Duration timeout) throws Exception {
    try {
      return run.getResultAsync(TrainingResult.class).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no result within " + timeout + "\n" + diagnose(run.getExecution().getWorkflowId()), e);
    }
  }

  /** What a stuck run is doing: its status, progress, pending activities, and how each training worker is. */
  private static String diagnose(String workflowId) {
    StringBuilder out = new StringBuilder();
    try {
      var described = describe(workflowId);
      out.append(workflowId).append(": ").append(described.getWorkflowExecutionInfo().getStatus())
          .append(", history length ").append(described.getWorkflowExecutionInfo().getHistoryLength()).append('\n');
      out.append("progress: ").append(connection.client().newWorkflowStub(TrainingWorkflow.class, workflowId).progress())
          .append('\n');
      for (PendingActivityInfo a : described.getPendingActivitiesList()) {
        out.append("pending ").append(a.getActivityId()).append(' ').append(a.getState()).append(" attempt ")
            .append(a.getAttempt()).append(" on ").append(a.getLastWorkerIdentity()).append(", heartbeat ")
            .append(heartbeat(a).map(TrainingHeartbeat::toString).orElse("none")).append(", last failure ")
            .append(a.hasLastFailure() ? a.getLastFailure().getMessage() : "none").append('\n');
      }
      var events = connection.client().fetchHistory(workflowId).getEvents();
      out.append("last events:\n");
      events.subList(Math.max(0, events.size() - 25), events.size()).forEach(e -> out.append("  ")
          .append(e.getEventId()).append(' ').append(e.getEventType()).append(' ').append(e.getEventTime().getSeconds())
          .append('\n'));
    } catch (RuntimeException e) {
      out.append("cannot describe ").append(workflowId).append(": ").append(e).append('\n');
    }
    for (KilnProcess trainer : trainers) {
      String log;
      try {
        log = trainer.log();
      } catch (IOException e) {
        log = e.toString();
      }
      out.append("trainer ").append(trainer.pid()).append(trainer.isAlive() ? " alive" : " dead").append(", log tail:\n")
          .append(log.substring(Math.max(0, log.length() - 3000))).append('\n');
    }
    return out.toString();
  }

  /**
   * Waits until the run's storage holds a checkpoint manifest of step {@code step} or later, written by a training
   * segment other than the one just killed that runs on a worker; empty once the workflow has closed. Reading the
   * storage directory sees a checkpoint as soon as it is written, unlike heartbeats, which the SDK throttles.
   */
  private static Optional<PendingActivityInfo> awaitCheckpointOnDisk(String runId, int step, String notThis)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
    String seen = null;
    int before = -1;
    while (Instant.now().isBefore(deadline)) {
      var described = describe(runId + "-train");
      if (described.getWorkflowExecutionInfo().hasCloseTime()) {
        return Optional.empty();
      }
      Optional<PendingActivityInfo> running = described.getPendingActivitiesList().stream()
          .filter(a -> a.getState() == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED)
          .filter(a -> !a.getActivityId().equals(notThis))
          .findFirst();
      int newest = newestManifestOnDisk(runId);
      if (running.isPresent() && !running.get().getActivityId().equals(seen)) {
        // The killed attempt may have written checkpoints past the committed one it is resumed from: this
        // segment counts only once it has written one past those (it rewrites them first, identical).
        seen = running.get().getActivityId();
        before = newest;
      } else if (running.isPresent() && newest >= step && newest > before) {
        return running;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no checkpoint of step " + step + " within 3 minutes\n" + diagnose(runId + "-train"));
  }

  /** The highest step with a manifest under the run's checkpoints in the storage directory (-1 if none). */
  private static int newestManifestOnDisk(String runId) {
    Path checkpoints = s3Dir.resolve(BUCKET).resolve("runs").resolve(runId).resolve("checkpoints");
    try (var files = Files.find(checkpoints, 3, (path, attributes) -> path.endsWith("manifest.json"))) {
      return files.map(path -> path.getParent().getFileName().toString())
          .filter(dir -> dir.startsWith("step-"))
          .mapToInt(dir -> Integer.parseInt(dir.substring("step-".length())))
          .max().orElse(-1);
    } catch (IOException | java.io.UncheckedIOException racedWithRetention) {
      return -1; // nothing yet, or a directory was deleted while listed: look again
    }
  }

  private static io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse describe(String workflowId) {
    return connection.service().blockingStub().describeWorkflowExecution(
        DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId)).build());
  }

  private static boolean stillRunning(String workflowId, String activityId) {
    return describe(workflowId).getPendingActivitiesList().stream()
        .anyMatch(a -> a.getActivityId().equals(activityId) && a.getState() == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED);
  }

  private static Optional<TrainingHeartbeat> heartbeat(PendingActivityInfo activity) {
    if (!activity.hasHeartbeatDetails() || activity.getHeartbeatDetails().getPayloadsCount() == 0) {
      return Optional.empty();
    }
    return Optional.of(DataConverter.getDefaultInstance().fromPayloads(
        0, Optional.of(activity.getHeartbeatDetails()), TrainingHeartbeat.class, TrainingHeartbeat.class));
  }

  private static KilnProcess trainerRunning(PendingActivityInfo activity) {
    Matcher m = PID.matcher(activity.getLastWorkerIdentity());
    long pid = m.find() ? Long.parseLong(m.group(1)) : -1;
    return trainers.stream().filter(t -> t.pid() == pid).findFirst()
        .orElseThrow(() -> new AssertionError("segment runs on " + activity.getLastWorkerIdentity() + ", not ours"));
  }

  private static void awaitCommittedStep(String workflowId, int step) throws InterruptedException {
    TrainingWorkflow training = connection.client().newWorkflowStub(TrainingWorkflow.class, workflowId);
    Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
    while (Instant.now().isBefore(deadline)) {
      try {
        if (training.progress().committedStep() >= step) {
          return;
        }
      } catch (RuntimeException notYet) {
        // not started yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError(workflowId + " never committed step " + step);
  }

  private static String sha256OfModel(TrainingResult result) {
    return ObjectStore.sha256(store.get(result.finalCheckpoint().prefix() + "model.safetensors"));
  }

  private static void report(String name, TrainingResult result) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add(name + ": " + GoodputLedger.summary(result));
    GoodputLedger.details(result.interruptions(), result.rollbacks(), result.warnings(), result.totals()).forEach(l -> lines.add(name + ":   " + l));
    result.interruptions().stream().filter(Interruption::resumed)
        .forEach(i -> lines.add(name + " mttr_ms=" + i.timeToFirstStepMillis() + " detect_ms=" + i.detectedAfterMillis()
            + " steps_lost=" + i.stepsLost()));
    lines.add(name + " goodput=" + result.goodput() + " stall=" + result.stallFraction()
        + " mb_per_s=" + result.checkpointMegabytesPerSecond() + " history_events=" + result.historyEvents()
        + " steps=" + result.finalCheckpoint().step());
    lines.forEach(System.out::println);
    Files.write(FIGURES, lines, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
  }

  private static KilnProcess startStorage() throws Exception {
    KilnProcess process = KilnProcess.start(LOGS, "storage-" + (++storageStarts), "storage", "--dir", s3Dir.toString(), "--port",
        Integer.toString(s3Port));
    return process.awaitLog("kiln storage: ", Duration.ofSeconds(60));
  }

  /**
   * Waits until a new worker polls its queue. The next kill comes only then, so that a spare worker is always
   * ready, the situation the MTTR goal describes; otherwise a kill soon after the last would also time a JVM's start.
   */
  private static KilnProcess awaitPolling(KilnProcess trainer) throws Exception {
    return trainer.awaitLog(": polling [", Duration.ofSeconds(90));
  }

  private static KilnProcess newTrainer() throws IOException {
    return KilnProcess.trainingWorker(LOGS, "trainer-" + (++workerCount), temporalAddress,
        "http://127.0.0.1:" + s3Port, BUCKET);
  }

  /** Bytes of a real book as a byte-level token stream (ids 0-255, end of text 256). */
  private static int[] textTokens() throws IOException {
    byte[] text = Files.readAllBytes(TestData.dataDir().resolve("raw/gutenberg/carroll-alice.txt"));
    int[] tokens = new int[Math.min(text.length, 150_000)];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = text[i] & 0xff;
    }
    return tokens;
  }

  /**
   * A stream the model learns almost perfectly (a period-7 pattern), with a short window of random tokens in
   * it: a batch that samples that window has a loss many times the moving average.
   */
  private static int[] spikyTokens() {
    int[] tokens = new int[60_000];
    Random random = new Random(5);
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = (i >= 30_000 && i < 30_016) ? random.nextInt(256) : "kiln!? ".charAt(i % 7);
    }
    return tokens;
  }

  private static void writeCorpus(String name, int[] tokens) {
    String dir = "chaos/" + name + "/";
    int heldOut = tokens.length / 20;
    TokenShards train = new TokenShards("train", 257, 256, 1 << 16, (file, bytes) -> store.put(dir + file, bytes));
    train.addDocument(java.util.Arrays.copyOfRange(tokens, 0, tokens.length - heldOut));
    TokenShards held = new TokenShards("held-out", 257, 256, 1 << 16, (file, bytes) -> store.put(dir + file, bytes));
    held.addDocument(java.util.Arrays.copyOfRange(tokens, tokens.length - heldOut, tokens.length));
    TokenManifest manifest = new TokenManifest(TokenManifest.UINT16, 257, 256, train.finish(), held.finish());
    store.put(dir + "manifest.json", manifest.toJson().getBytes(StandardCharsets.UTF_8));
  }
}
