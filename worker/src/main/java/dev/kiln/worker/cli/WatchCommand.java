package dev.kiln.worker.cli;

import dev.kiln.worker.RunReport;
import dev.kiln.worker.RunWatcher;
import dev.kiln.worker.TemporalConnection;
import dev.kiln.workflows.pretraining.RunSummary;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "watch", mixinStandardHelpOptions = true, description = "Follow a run's progress until it ends, then print its summary.")
final class WatchCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "run id")
  String runId;

  @Mixin Endpoints endpoints;

  @Override
  public Integer call() {
    try (TemporalConnection connection = endpoints.connect()) {
      RunSummary summary = new RunWatcher(connection, System.out).watch(runId);
      System.out.print(RunReport.format(summary, endpoints.storage().bucket()));
      return 0;
    }
  }
}
