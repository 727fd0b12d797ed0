package dev.kiln.worker.cli;

import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.worker.TemporalConnection;
import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.pretraining.PretrainingWorkflow;
import dev.kiln.workflows.spec.RunSpec;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Long-running, recurring pretraining on Temporal Schedules: e.g. nightly continued pretraining from the newest
 * fitting hub model (a spec with {@code model.strategy: auto}). Schedules need a real Temporal server.
 */
@Command(
    name = "schedule",
    mixinStandardHelpOptions = true,
    description = "Create and manage Temporal Schedules that start pretraining runs.",
    subcommands = {
      ScheduleCommand.Create.class,
      ScheduleCommand.ListSchedules.class,
      ScheduleCommand.Describe.class,
      ScheduleCommand.Pause.class,
      ScheduleCommand.Unpause.class,
      ScheduleCommand.Trigger.class,
      ScheduleCommand.Delete.class
    })
final class ScheduleCommand {
  private ScheduleCommand() {}

  /**
   * Runs {@code action} with a schedule client, turning the SDK's bare "Schedule exception" into the cause and the
   * fix: Temporal's in-JVM test server has no Schedules (UNIMPLEMENTED), an id that is taken, one that does not exist.
   */
  static <T> T withSchedules(Endpoints endpoints, String id, Function<ScheduleClient, T> action) {
    try (TemporalConnection connection = endpoints.connect()) {
      ScheduleClient client = ScheduleClient.newInstance(
          connection.service(), ScheduleClientOptions.newBuilder().setNamespace(connection.namespace()).build());
      try {
        return action.apply(client);
      } catch (io.temporal.client.schedules.ScheduleAlreadyRunningException e) {
        throw new IllegalArgumentException("schedule " + id + " already exists on " + connection.address() + " namespace "
            + connection.namespace() + ". Fix: use a new id, or delete it first (kiln schedule delete " + id + ")", e);
      } catch (io.temporal.client.schedules.ScheduleException e) {
        throw explained(e, e.getCause() instanceof StatusRuntimeException s ? s : null, id, connection);
      } catch (StatusRuntimeException e) {
        throw explained(e, e, id, connection);
      }
    }
  }

  private static RuntimeException explained(RuntimeException e, StatusRuntimeException status, String id,
      TemporalConnection connection) {
    String where = connection.address() + " namespace " + connection.namespace();
    if (status == null) {
      return new IllegalArgumentException("kiln schedule failed on " + where + ": "
          + CliErrors.bounded(KilnCli.rootMessage(e), CliErrors.MAX_QUOTED), e);
    }
    String description = CliErrors.bounded(status.getStatus().getDescription(), CliErrors.MAX_QUOTED);
    return switch (status.getStatus().getCode()) {
      case UNIMPLEMENTED -> new IllegalArgumentException("Temporal at " + connection.address() + " has no Schedules"
          + " (Temporal's in-JVM test server, e.g. kiln dev --temporal in-jvm, has none). Fix: point --address at a real"
          + " server: kiln dev (the Temporal dev server, 127.0.0.1:7233), infra/start-temporal-dev.sh, or your cluster", e);
      case NOT_FOUND -> new IllegalArgumentException("no schedule " + (id == null ? "" : id + " ") + "on " + where
          + (description.toLowerCase().contains("namespace") ? " (" + description + ")" : "")
          + ". Fix: check the id; kiln schedule list shows the schedules", e);
      case ALREADY_EXISTS -> new IllegalArgumentException("schedule " + id + " already exists on " + where
          + ". Fix: use a new id, or delete it first (kiln schedule delete " + id + ")", e);
      case INVALID_ARGUMENT -> new IllegalArgumentException("Temporal at " + where + " refused the schedule: "
          + description + ". Fix: check --cron / --interval and the spec", e);
      default -> status; // unreachable, permission denied, ...: reported by KilnCli with the address
    };
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Start a run of SPEC on a cron expression or an interval.")
  static final class Create implements Callable<Integer> {
    @Parameters(index = "0", description = "schedule id") String id;
    @Parameters(index = "1", description = "run spec (YAML)") Path spec;
    @Option(names = "--cron", description = "cron expression, e.g. '0 2 * * *' (nightly at 02:00)") String cron;
    @Option(names = "--interval", description = "ISO-8601 duration between runs, e.g. PT24H") Duration interval;
    @Option(names = "--overlap", defaultValue = "skip", description = "when a run is still going: skip or buffer-one") String overlap;
    @Option(names = "--catchup-window", defaultValue = "PT1H", description = "how late a missed run may still start") Duration catchup;
    @Option(names = "--pause-on-failure", description = "pause the schedule when a run fails") boolean pauseOnFailure;
    @Option(names = "--paused", description = "create it paused") boolean paused;
    @Mixin Endpoints endpoints;

    @Override
    public Integer call() {
      if ((cron == null) == (interval == null)) {
        throw new IllegalArgumentException("give exactly one of --cron or --interval");
      }
      RunSpec runSpec = RunSpecLoader.load(spec);
      Schedule schedule = Schedule.newBuilder()
          .setAction(ScheduleActionStartWorkflow.newBuilder()
              .setWorkflowType(PretrainingWorkflow.class)
              .setArguments(runSpec)
              .setOptions(WorkflowOptions.newBuilder()
                  .setWorkflowId(runSpec.name())
                  .setTaskQueue(TaskQueues.CPU)
                  .setMemo(StartCommand.memo(runSpec))
                  .build())
              .build())
          .setSpec(cron != null
              ? ScheduleSpec.newBuilder().setCronExpressions(List.of(cron)).build()
              : ScheduleSpec.newBuilder().setIntervals(List.of(new ScheduleIntervalSpec(interval))).build())
          .setPolicy(SchedulePolicy.newBuilder()
              .setOverlap(overlapPolicy(overlap))
              .setCatchupWindow(catchup)
              .setPauseOnFailure(pauseOnFailure)
              .build())
          .setState(io.temporal.client.schedules.ScheduleState.newBuilder().setPaused(paused).build())
          .build();
      withSchedules(endpoints, id, client -> client.createSchedule(id, schedule, ScheduleOptions.newBuilder().build()));
      System.out.println("schedule " + id + " created: " + (cron != null ? "cron '" + cron + "'" : "every " + interval)
          + ", overlap " + overlap + ", runs of " + runSpec.name());
      return 0;
    }

    static ScheduleOverlapPolicy overlapPolicy(String name) {
      return switch (name) {
        case "skip" -> ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP;
        case "buffer-one" -> ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE;
        default -> throw new IllegalArgumentException("--overlap '" + name + "': use skip or buffer-one");
      };
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List schedules.")
  static final class ListSchedules implements Callable<Integer> {
    @Mixin Endpoints endpoints;

    @Override
    public Integer call() {
      List<String> ids = withSchedules(endpoints, null, client -> client.listSchedules().map(s -> s.getScheduleId()).toList());
      ids.forEach(System.out::println);
      return 0;
    }
  }

  @Command(name = "describe", mixinStandardHelpOptions = true, description = "Show a schedule's spec, state, recent and next runs.")
  static final class Describe implements Callable<Integer> {
    @Parameters(index = "0") String id;
    @Mixin Endpoints endpoints;

    @Override
    public Integer call() {
      ScheduleDescription d = withSchedules(endpoints, id, client -> client.getHandle(id).describe());
      System.out.println("schedule " + d.getId() + (d.getSchedule().getState().isPaused() ? " (paused)" : ""));
      System.out.println("spec:    " + d.getSchedule().getSpec());
      System.out.println("policy:  " + d.getSchedule().getPolicy());
      System.out.println("runs:    " + d.getInfo().getNumActions() + " started, " + d.getInfo().getNumActionsSkippedOverlap()
          + " skipped (overlap), " + d.getInfo().getNumActionsMissedCatchupWindow() + " missed (catch-up window)");
      d.getInfo().getRecentActions().forEach(a -> System.out.println("recent:  " + a.getStartedAt() + " " + a.getAction()));
      d.getInfo().getNextActionTimes().stream().limit(3).forEach(t -> System.out.println("next:    " + t));
      return 0;
    }
  }

  /** A one-word action on an existing schedule: the subcommands below differ only in what they do to it. */
  abstract static class HandleAction implements Callable<Integer> {
    @Parameters(index = "0", description = "schedule id") String id;
    @Mixin Endpoints endpoints;

    abstract void apply(ScheduleHandle handle);

    abstract String done();

    @Override
    public Integer call() {
      withSchedules(endpoints, id, client -> {
        apply(client.getHandle(id));
        return null;
      });
      System.out.println("schedule " + id + " " + done());
      return 0;
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause a schedule.")
  static final class Pause extends HandleAction {
    void apply(ScheduleHandle h) { h.pause("paused with kiln schedule pause"); }
    String done() { return "paused"; }
  }

  @Command(name = "unpause", mixinStandardHelpOptions = true, description = "Unpause a schedule.")
  static final class Unpause extends HandleAction {
    void apply(ScheduleHandle h) { h.unpause("unpaused with kiln schedule unpause"); }
    String done() { return "unpaused"; }
  }

  @Command(name = "trigger", mixinStandardHelpOptions = true, description = "Start a run now (the overlap policy still applies).")
  static final class Trigger extends HandleAction {
    void apply(ScheduleHandle h) { h.trigger(); }
    String done() { return "triggered"; }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a schedule (runs it started go on).")
  static final class Delete extends HandleAction {
    void apply(ScheduleHandle h) { h.delete(); }
    String done() { return "deleted"; }
  }
}
