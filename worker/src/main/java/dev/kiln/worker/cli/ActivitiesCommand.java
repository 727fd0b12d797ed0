package dev.kiln.worker.cli;

import dev.kiln.worker.RunActivities;
import dev.kiln.worker.TemporalConnection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Which worker ran what: the activities of a run and its curation and training, from the workflow histories. */
@Command(name = "activities", mixinStandardHelpOptions = true,
    description = "List a run's activities (its own, its curation's and its training's): worker, attempts, time, state.")
final class ActivitiesCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "run id")
  String runId;

  @Mixin Endpoints endpoints;

  @Override
  public Integer call() {
    try (TemporalConnection connection = endpoints.connect()) {
      System.out.print(RunActivities.format(new RunActivities(connection).read(runId)));
      return 0; // a run id that does not exist: NOT_FOUND, reported by KilnCli with the address and namespace
    }
  }
}
