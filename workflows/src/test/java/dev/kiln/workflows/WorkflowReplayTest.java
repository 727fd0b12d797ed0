package dev.kiln.workflows;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.kiln.workflows.curation.CurationWorkflowImpl;
import dev.kiln.workflows.fanout.ShardBatchWorkflowImpl;
import dev.kiln.workflows.pretraining.PretrainingWorkflowImpl;
import dev.kiln.workflows.training.TrainingWorkflowImpl;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Running workflows survive new code: every history recorded from a real run (src/test/resources/histories/, made by
 * infra/record-histories.sh) replays against the current workflow code without a nondeterminism error. A change to
 * a workflow's decisions that breaks one is fixed with a {@code Workflow.getVersion} marker, not a new recording.
 */
class WorkflowReplayTest {
  private static final Path HISTORIES = Path.of("src", "test", "resources", "histories");

  @TestFactory
  Stream<DynamicTest> everyRecordedHistoryReplays() throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(HISTORIES)) {
      files = list.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList();
    }
    assertFalse(files.isEmpty(), "no recorded histories in " + HISTORIES + ": run infra/record-histories.sh");
    return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> replay(file)));
  }

  /**
   * Replays one history on a worker with every workflow type registered. The first workflow task of a JVM loads
   * classes for longer than the SDK's 1 s deadlock detection allows on a busy machine: that is not what this checks.
   */
  private static void replay(Path file) throws Exception {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      Worker worker = env.newWorker("replay", WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(60_000).build());
      worker.registerWorkflowImplementationTypes(
          PretrainingWorkflowImpl.class, CurationWorkflowImpl.class, ShardBatchWorkflowImpl.class, TrainingWorkflowImpl.class);
      WorkflowReplayer.replayWorkflowExecution(WorkflowExecutionHistory.fromJson(Files.readString(file)), worker);
    }
  }
}
