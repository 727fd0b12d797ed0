package dev.kiln.worker.cli;

import dev.kiln.worker.TemporalConnection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a run; its training stops at the next step and keeps its checkpoints.")
final class CancelCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "run id")
  String runId;

  @Mixin Endpoints endpoints;

  @Override
  public Integer call() {
    try (TemporalConnection connection = endpoints.connect()) {
      connection.client().newUntypedWorkflowStub(runId).cancel();
      System.out.println("cancel requested for " + runId);
      return 0;
    }
  }
}
