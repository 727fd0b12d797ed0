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
      // a run id that does not exist: NOT_FOUND, reported by KilnCli
      RunActivities.Report report = new RunActivities(connection).report(runId);
      System.out.print(RunActivities.format(report.activities()));
      RunActivities.Orchestration o = report.orchestration();
      System.out.printf("%norchestration: %s of the run's %s outside activities (%.2f%%): workflow tasks, scheduling, "
          + "round trips, retry backoff, local activities%n", RunActivities.seconds(o.outside()), RunActivities.seconds(o.wall()),
          100 * o.outsideFraction());
      return 0;
    }
  }
}
