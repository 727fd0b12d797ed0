package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.cli.KilnCli;
import dev.kiln.worker.embedded.EmbeddedStack;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI commands that talk to a running stack (`start`, `status`, `cancel`), pointed at it with the same
 * flags a user gives for a real cluster and with S3 credentials from the AWS default chain.
 */
class CliAgainstRunningStackIT {
  @TempDir Path home;
  EmbeddedStack stack;
  ObjectStore store;
  TemporalConnection connection;
  KilnWorker worker;
  CliRunner cli;

  @BeforeEach
  void startStack() throws Exception {
    stack = EmbeddedStack.start(home.resolve("s3"), 0, 0);
    store = new ObjectStore(stack.storage("kiln"));
    store.ensureBucket();
    TestData.seedSmallCorpus(store, TestData.dataDir());
    new DataSeeder(store).seedHub(Path.of("..", "configs", "hub"), TestData.dataDir());
    connection = TemporalConnection.connect(stack.temporalAddress(), "default");
    worker = new KilnWorker(connection.client(), store, true, true, 2, 1);
    worker.start();
    // the AWS default credentials chain reads these system properties, as it reads AWS_ACCESS_KEY_ID
    System.setProperty("aws.accessKeyId", EmbeddedStack.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", EmbeddedStack.SECRET_KEY);
    System.setProperty("aws.region", "us-east-1");
    cli = new CliRunner("--address", stack.temporalAddress(), "--s3-endpoint", stack.s3Endpoint().toString(), "--bucket", "kiln");
  }

  @AfterEach
  void stopStack() {
    worker.close();
    connection.close();
    store.close();
    stack.close();
  }

  @Test
  void startStatusAndCancelARun() throws Exception {
    CliRunner.Result started = cli.kiln("start", "src/test/resources/kill-test.yaml", "--run-id", "cli-run");
    assertEquals(0, started.code(), started.err());
    assertTrue(started.out().strip().endsWith("cli-run"), started.out());

    RunWatcher watcher = new RunWatcher(connection, System.out);
    Instant deadline = Instant.now().plus(Duration.ofMinutes(4));
    while (!watcher.describe("cli-run").startsWith("[pretrain] step") && Instant.now().isBefore(deadline)) {
      Thread.sleep(500);
    }
    CliRunner.Result status = cli.kiln("status", "cli-run");
    assertEquals(0, status.code(), status.err());
    assertTrue(status.out().contains("cli-run: running") && status.out().contains("[pretrain] step"), status.out());

    CliRunner.Result cancelled = cli.kiln("cancel", "cli-run");
    assertEquals(0, cancelled.code(), cancelled.err());
    while (watcher.status("cli-run") == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING && Instant.now().isBefore(deadline)) {
      Thread.sleep(200);
    }
    assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED, watcher.status("cli-run"));
    assertTrue(store.list("runs/cli-run/checkpoints/").size() > 0 || store.list("runs/cli-run/curated/").size() > 0,
        "what the run wrote before the cancel is kept");
  }

  @Test
  void aSpecWhoseDataIsNotInTheBucketIsRejectedBeforeStarting() throws Exception {
    Path spec = home.resolve("missing-data.yaml");
    copyCurationProfile();
    Files.writeString(spec, Files.readString(Path.of("src/test/resources/kill-test.yaml"))
        .replace("raw/gutenberg-small/", "raw/common-crawl/"));
    CliRunner.Result result = cli.kiln("start", spec.toString());
    assertEquals(KilnCli.EXIT_BAD_INPUT, result.code());
    assertTrue(result.err().contains("data.rawPrefixes[0]: 'raw/common-crawl/' holds no objects"), result.err());
    assertTrue(result.err().contains("use one of [raw/gutenberg-small/]"), result.err());
  }

  @Test
  void aMalformedSpecIsRejectedWithFieldAndFix() throws Exception {
    Path spec = home.resolve("bad.yaml");
    copyCurationProfile();
    Files.writeString(spec, Files.readString(Path.of("src/test/resources/kill-test.yaml")).replace("heads: 2", "heads: 3"));
    CliRunner.Result result = cli.kiln("start", spec.toString());
    assertEquals(KilnCli.EXIT_BAD_INPUT, result.code());
    assertTrue(result.err().contains("training.heads: 3 heads do not divide dModel 128"), result.err());
  }

  /** A spec names its curation profile relative to itself: a changed copy needs the profile beside it. */
  private void copyCurationProfile() throws java.io.IOException {
    Files.copy(Path.of("src/test/resources/kill-test-curation.yaml"), home.resolve("kill-test-curation.yaml"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void theEmbeddedServerSaysPlainlyThatSchedulesAndListingNeedARealServer() {
    CliRunner.Result schedules = cli.kiln("schedule", "list");
    assertEquals(KilnCli.EXIT_BAD_INPUT, schedules.code());
    assertTrue(schedules.err().contains("has no Schedules")
        && schedules.err().contains("infra/start-temporal-dev.sh"), schedules.err());
    CliRunner.Result list = cli.kiln("list", "--query", "KilnStage='pretrain'");
    assertEquals(KilnCli.EXIT_BAD_INPUT, list.code());
    assertTrue(list.err().contains("needs visibility queries"), list.err());
  }

}
