package dev.kiln.worker.cli;

import dev.kiln.worker.RunReport;
import dev.kiln.worker.RunWatcher;
import dev.kiln.worker.TemporalConnection;
import dev.kiln.workflows.pretraining.RunSummary;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Show where a run is, or its summary once it has ended.")
final class StatusCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "run id")
  String runId;

  @Mixin Endpoints endpoints;

  @Override
  public Integer call() {
    try (TemporalConnection connection = endpoints.connect()) {
      RunWatcher watcher = new RunWatcher(connection, System.out);
      WorkflowExecutionStatus status = watcher.status(runId);
      System.out.println(runId + ": " + status.name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase()
          + "   (which worker ran what: kiln activities " + runId + ")");
      if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        System.out.println(watcher.describe(runId));
        System.out.print(watcher.trainingDetail(runId));
      } else if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
        RunSummary summary = connection.client().newUntypedWorkflowStub(runId).getResult(RunSummary.class);
        System.out.print(RunReport.format(summary, endpoints.storage().bucket()));
      } else {
        connection.client().newUntypedWorkflowStub(runId).getResult(RunSummary.class); // throws the failure
      }
      return 0;
    }
  }
}
