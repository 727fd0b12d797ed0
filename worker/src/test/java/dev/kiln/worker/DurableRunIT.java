package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.embedded.EmbeddedStack;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.common.WorkflowExecutionHistory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main job is durable: {@code kiln run} killed with SIGKILL during pretraining and started again with the same
 * command continues the same run on the home's dev server. Curation is not redone, training resumes from a committed
 * checkpoint, and the final weights are bitwise those of an uninterrupted run. While the first run trains, every
 * socket it and its Temporal dev server listen on is bound to loopback.
 */
class DurableRunIT {
  private static final String SPEC = Path.of("src", "test", "resources", "durable-test.yaml").toString();
  private static final Pattern RESUMING = Pattern.compile("resuming from committed step (\\d+)");
  private static final Pattern STEP = Pattern.compile("\\[pretrain] step (\\d+)/");
  private static final Pattern TOTAL_STEPS = Pattern.compile("the spec fixes (\\d+) steps");

  @TempDir Path dir;
  private final Path logs = Path.of("target", "it-logs").toAbsolutePath();

  @Test
  void theSameCommandAfterAKillContinuesTheRunBitwise() throws Exception {
    Path data = SmallData.create(dir.resolve("data"));
    Path crashed = dir.resolve("crashed");
    Path uninterrupted = dir.resolve("uninterrupted");
    String[] command = {"run", "--home", crashed.toString(), "--data-dir", data.toString(), "--run-id", "durable", SPEC};

    int killedAt;
    try (KilnProcess first = KilnProcess.start(logs, "durable-first", command)) {
      killedAt = awaitStep(first, 220);
      List<ListeningSockets.Socket> sockets = ListeningSockets.of(first.handle());
      assertTrue(sockets.stream().anyMatch(s -> s.command().startsWith("temporal")), "the dev server listens: " + sockets);
      assertTrue(sockets.stream().allMatch(ListeningSockets.Socket::loopback), "every socket on loopback: " + sockets);
      System.out.println("kiln run listens on " + sockets);
      first.kill();
    }
    System.out.println("killed kiln run at step " + killedAt);

    Instant restarted = Instant.now();
    KilnProcess second = KilnProcess.start(logs, "durable-second", command);
    int resumedFrom = Integer.parseInt(second.awaitLog(RESUMING, Duration.ofMinutes(5)).group(1));
    // the rest of the run may train in less time than the CLI takes between progress lines: then its end is the sign
    int firstResumedStep = awaitStep(second, resumedFrom + 1, true);
    Duration toFirstStep = Duration.between(restarted, Instant.now());
    int exit = second.awaitExit(Duration.ofMinutes(10));
    String log = second.log();
    assertEquals(0, exit, log);
    assertTrue(log.contains("kiln: continuing run durable"), log);
    assertTrue(log.contains("reusing the Temporal dev server"), "the killed run's server is adopted, not started twice: " + log);
    assertFalse(log.contains("[curate]"), "curation is not redone: " + log);
    assertTrue(resumedFrom > 0 && resumedFrom <= killedAt && resumedFrom % 50 == 0, "resumed from a committed checkpoint: " + resumedFrom);
    System.out.printf("rerun: resumed from committed step %d (killed at %d: %d steps lost); first progress line past it (step %d) "
        + "%.1f s after the rerun started%n", resumedFrom, killedAt, killedAt - resumedFrom, firstResumedStep, toFirstStep.toMillis() / 1000.0);

    try (KilnProcess reference = KilnProcess.start(logs, "durable-uninterrupted",
        "run", "--home", uninterrupted.toString(), "--data-dir", data.toString(), "--run-id", "durable", SPEC)) {
      assertEquals(0, reference.awaitExit(Duration.ofMinutes(10)), reference.log());
    }
    Path model = Path.of("s3", "kiln", "runs", "durable", "model", "model.safetensors");
    assertEquals(sha256(uninterrupted.resolve(model)), sha256(crashed.resolve(model)), "final weights bitwise equal");

    assertCurationRanOnce(crashed);
  }

  /** Serves the crashed home again ({@code kiln dev}) and reads the curation child's history from its database. */
  private void assertCurationRanOnce(Path home) throws Exception {
    for (int attempt = 1; ; attempt++) {
      int port = EmbeddedStack.freePort();
      try (KilnProcess dev = KilnProcess.start(logs, "durable-dev", "dev", "--home", home.toString(), "--temporal-port",
          Integer.toString(port), "--ui-port", Integer.toString(EmbeddedStack.freePort()),
          "--s3-port", Integer.toString(EmbeddedStack.freePort()), "--hub", home.resolve("no-hub").toString())) {
        try {
          dev.awaitLog("READY", Duration.ofMinutes(5)); // on a loaded machine the dev server can take minutes to start
        } catch (AssertionError notReady) {
          // a port found free can be taken by another process before kiln dev binds it: pick others and try again
          if (attempt < 3 && dev.log().contains("is already in use")) {
            continue;
          }
          throw notReady;
        }
        assertEveryCurationActivityStartedOnce(port);
        return;
      }
    }
  }

  /** Reads the curation child's history from the dev server on {@code port}: every activity started once. */
  private static void assertEveryCurationActivityStartedOnce(int port) throws Exception {
    try (TemporalConnection connection = TemporalConnection.connect("127.0.0.1:" + port, "default")) {
      WorkflowExecutionHistory history = connection.client().fetchHistory("durable-curate");
      long scheduled = history.getEvents().stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).count();
      List<HistoryEvent> started = history.getEvents().stream()
          .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED).toList();
      assertTrue(scheduled > 0);
      assertEquals(scheduled, started.size());
      assertTrue(started.stream().allMatch(e -> e.getActivityTaskStartedEventAttributes().getAttempt() == 1),
          "every curation activity ran once: " + started);
    }
  }

  private static int awaitStep(KilnProcess run, int atLeast) throws IOException, InterruptedException {
    return awaitStep(run, atLeast, false);
  }

  /**
   * The newest step the run's progress lines show, once it is at least {@code atLeast}; with {@code orEnd}, also the
   * run's total steps once it has ended with its summary before printing such a line.
   */
  private static int awaitStep(KilnProcess run, int atLeast, boolean orEnd) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(10));
    while (Instant.now().isBefore(deadline)) {
      Matcher m = STEP.matcher(run.log());
      int last = -1;
      while (m.find()) {
        last = Integer.parseInt(m.group(1));
      }
      if (last >= atLeast && last > 0) {
        return last;
      }
      if (!run.isAlive()) {
        Matcher total = TOTAL_STEPS.matcher(run.log());
        if (orEnd && run.log().contains("=== Kiln run") && total.find()) {
          return Integer.parseInt(total.group(1));
        }
        throw new AssertionError("kiln run exited before step " + atLeast + "; its log:\n" + run.log());
      }
      Thread.sleep(200);
    }
    throw new AssertionError("kiln run never reached step " + atLeast + "; its log:\n" + run.log());
  }

  private static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return ObjectStore.sha256(in);
    }
  }
}
