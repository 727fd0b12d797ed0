package dev.kiln.worker.cli;

import dev.kiln.activities.ladder.LadderCostTable;
import dev.kiln.activities.ladder.LadderPlanner;
import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.Preflight;
import dev.kiln.worker.TemporalConnection;
import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.ladder.LadderPlan;
import dev.kiln.workflows.ladder.LadderSpec;
import dev.kiln.workflows.ladder.LadderSummary;
import dev.kiln.workflows.ladder.LadderWorkflow;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.spec.RunSpecValidator;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;

import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Scaling-law ladders: many small runs of one spec, a fitted law, and a report (docs/ladders.md). */
@Command(
    name = "ladder",
    mixinStandardHelpOptions = true,
    description = "Run scaling-law ladders: train many small models of one run spec and fit a scaling law.",
    subcommands = {
      LadderCommand.Start.class,
      LadderCommand.Status.class,
      LadderCommand.Report.class,
      LadderCommand.Cancel.class,
      LadderCommand.ScheduleLadder.class
    })
final class LadderCommand {
  private LadderCommand() {}

  /** The rungs of a ladder, from a run spec and the command line. */
  static final class Rungs {
    @Option(names = "--budgets", split = ",", description = "IsoFLOP compute budgets in FLOPs, e.g. 1e11,3e11,1e12 (with --sizes)")
    List<Double> budgets = new ArrayList<>();

    @Option(names = "--sizes", split = ",", description = "d_model of shape-ladder shapes trained at every budget, e.g. 64,96,128")
    List<Integer> sizes = new ArrayList<>();

    @Option(names = "--points", split = ",", description = "explicit rungs SIZE:TOKENS instead, e.g. 64:200000,96:400000")
    List<String> points = new ArrayList<>();

    @Option(names = "--max-concurrent-rungs", defaultValue = "" + LadderSpec.DEFAULT_MAX_CONCURRENT_RUNGS,
        description = "rungs training at once (default ${DEFAULT-VALUE})")
    int maxConcurrentRungs;

    @Option(names = "--max-rung-attempts", defaultValue = "" + LadderSpec.DEFAULT_MAX_RUNG_ATTEMPTS,
        description = "times a failed or killed rung is started, alone (default ${DEFAULT-VALUE})")
    int maxRungAttempts;

    @Option(names = "--min-steps", defaultValue = "" + LadderSpec.DEFAULT_MIN_STEPS_PER_RUNG,
        description = "refuse a rung its budget buys fewer optimizer steps of (default ${DEFAULT-VALUE})")
    int minSteps;

    LadderSpec spec(RunSpec run) {
      List<LadderSpec.Point> parsed = new ArrayList<>();
      for (String p : points) {
        String[] parts = p.split(":");
        try {
          if (parts.length != 2) {
            throw new NumberFormatException();
          }
          parsed.add(new LadderSpec.Point(Integer.parseInt(parts[0].trim()), (long) Double.parseDouble(parts[1].trim())));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("--points '" + p + "' is not SIZE:TOKENS. Fix: give e.g. --points"
              + " 64:200000,96:400000 (SIZE a d_model of the shape ladder, TOKENS the training tokens)");
        }
      }
      return new LadderSpec(run, List.copyOf(budgets), List.copyOf(sizes), parsed, maxConcurrentRungs, maxRungAttempts,
          minSteps);
    }
  }

  /** Validates and plans a ladder as the workflow will, so bad input fails here, before anything starts. */
  static LadderPlan plan(LadderSpec spec, Path file) {
    return LadderPlanner.plan(spec, file.toString());
  }

  static Map<String, Object> memo(LadderSpec spec, LadderPlan plan) {
    Map<String, Object> memo = new LinkedHashMap<>(StartCommand.memo(spec.run()));
    memo.put("ladder", spec.isoFlop() ? spec.budgets().size() + " budgets x " + spec.sizes().size() + " sizes"
        : spec.points().size() + " points");
    memo.put("rungs", plan.rungs().size());
    return memo;
  }

  static WorkflowOptions options(String id, LadderSpec spec, LadderPlan plan) {
    return WorkflowOptions.newBuilder()
        .setWorkflowId(id)
        .setTaskQueue(TaskQueues.CPU)
        .setMemo(memo(spec, plan))
        .setStaticSummary("scaling-law ladder of " + spec.run().name() + ": " + plan.rungs().size() + " rungs")
        .setStaticDetails(plan.summary())
        .build();
  }

  @Command(name = "start", mixinStandardHelpOptions = true,
      description = "Validate and plan a ladder of SPEC's runs, start it, and print its id.")
  static final class Start implements Callable<Integer> {
    @Parameters(index = "0", description = "run spec (YAML) every rung trains with") Path spec;
    @Option(names = "--id", description = "ladder id (default: <name>-ladder-<time>)") String id;
    @Mixin Rungs rungs;
    @Mixin Endpoints endpoints;

    @Override
    public Integer call() {
      RunSpec run = RunSpecLoader.load(spec);
      LadderSpec ladder = rungs.spec(run);
      LadderPlan plan = plan(ladder, spec);
      String ladderId = id != null ? id
          : run.name() + "-ladder-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
      if (!RunSpecValidator.LADDER_ID.matcher(ladderId).matches()) {
        throw new IllegalArgumentException("--id '" + ladderId + "' is not a ladder id. Fix: use letters, digits, '.',"
            + " '_' or '-', starting with a letter or digit");
      }
      try (ObjectStore store = new ObjectStore(endpoints.storage())) {
        Preflight.checkData(run, spec.toString(), store);
      }
      try (TemporalConnection connection = endpoints.connect()) {
        LadderWorkflow workflow = connection.client().newWorkflowStub(LadderWorkflow.class, options(ladderId, ladder, plan));
        WorkflowClient.start(workflow::run, ladder);
      }
      System.out.println(ladderId);
      System.err.println(plan.summary());
      return 0;
    }
  }

  /** The ladder's workflow, or a bad-input failure naming the id when there is no ladder of that id. */
  static WorkflowExecutionInfo describe(TemporalConnection connection, String ladderId) {
    WorkflowExecutionInfo info;
    try {
      info = connection.service().blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
              .setNamespace(connection.namespace())
              .setExecution(WorkflowExecution.newBuilder().setWorkflowId(ladderId))
              .build())
          .getWorkflowExecutionInfo();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
        throw noLadder(ladderId, connection);
      }
      throw e;
    }
    if (!info.getType().getName().equals("LadderWorkflow")) {
      throw new IllegalArgumentException(ladderId + " is a " + info.getType().getName() + ", not a ladder. Fix: give the"
          + " id `kiln ladder start` printed (kiln list --query \"KilnStage STARTS_WITH 'ladder'\" lists ladders)");
    }
    return info;
  }

  static IllegalArgumentException noLadder(String ladderId, TemporalConnection connection) {
    return new IllegalArgumentException("no ladder " + ladderId + " on " + connection.address() + " namespace "
        + connection.namespace() + ". Fix: give the id `kiln ladder start` printed; kiln list --query"
        + " \"KilnStage STARTS_WITH 'ladder'\" lists the ladders");
  }

  static String state(WorkflowExecutionStatus status) {
    return status.name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase(Locale.ROOT);
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Show a ladder's rungs: state, budget, N, D, loss.")
  static final class Status implements Callable<Integer> {
    @Parameters(index = "0", description = "ladder id") String ladderId;
    @Mixin Endpoints endpoints;

    @Override
    public Integer call() {
      try (TemporalConnection connection = endpoints.connect()) {
        WorkflowExecutionInfo info = describe(connection, ladderId);
        WorkflowExecutionStatus status = info.getStatus();
        System.out.println(ladderId + ": " + state(status));
        if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
          LadderSummary summary = connection.client().newUntypedWorkflowStub(ladderId).getResult(LadderSummary.class);
          System.out.print(LadderCostTable.text(summary.rungs()));
          summary.failed().forEach(f -> System.out.println("failed: " + f));
          System.out.println(summary.report().summary());
          System.out.println("report: kiln ladder report " + ladderId + " (s3://" + endpoints.storage().bucket() + "/"
              + summary.report().reportKey() + ")");
          return 0;
        }
        if (status != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
          connection.client().newUntypedWorkflowStub(ladderId).getResult(LadderSummary.class); // throws the failure
          return 0;
        }
        LadderWorkflow.LadderProgress p = connection.client().newWorkflowStub(LadderWorkflow.class, ladderId).progress();
        System.out.println("stage: " + p.stage() + (p.curationWorkflowId() == null ? "" : "   curation: " + p.curationWorkflowId()));
        System.out.printf(Locale.ROOT, "%-16s %10s %14s %14s %-10s %8s %8s  %s%n", "rung", "budget", "N", "D", "state",
            "attempts", "loss", "training workflow");
        for (LadderWorkflow.RungStatus r : p.rungs()) {
          System.out.printf(Locale.ROOT, "%-16s %10s %,14d %,14d %-10s %8d %8s  %s%n", r.rung(),
              r.budget() > 0 ? String.format(Locale.ROOT, "%.3g", r.budget()) : "-", r.parameters(), r.tokens(),
              r.state(), r.attempts(), Double.isNaN(r.loss()) ? "" : String.format(Locale.ROOT, "%.4f", r.loss()),
              r.trainingWorkflowId() == null ? "" : r.trainingWorkflowId()
                  + (r.failure() == null ? "" : "  (last failure: " + r.failure() + ")"));
        }
        return 0;
      }
    }
  }

  @Command(name = "report", mixinStandardHelpOptions = true, description = "Print a finished ladder's report (report.txt).")
  static final class Report implements Callable<Integer> {
    @Parameters(index = "0", description = "ladder id") String ladderId;
    @Mixin Endpoints endpoints;

    @Override
    public Integer call() {
      String key = LadderSpec.prefix(ladderId) + "report.txt";
      try (ObjectStore store = new ObjectStore(endpoints.storage())) {
        if (store.exists(key)) {
          System.out.print(new String(store.get(key), StandardCharsets.UTF_8));
          System.out.println("\nfiles: s3://" + endpoints.storage().bucket() + "/" + LadderSpec.prefix(ladderId));
          return 0;
        }
      }
      try (TemporalConnection connection = endpoints.connect()) {
        WorkflowExecutionInfo info = describe(connection, ladderId);
        throw new IllegalArgumentException("ladder " + ladderId + " is " + state(info.getStatus()) + " and has no report"
            + " yet (" + key + "). Fix: wait for it to finish; kiln ladder status " + ladderId + " shows where it is");
      }
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true,
      description = "Cancel a ladder; its rungs' training stops at the next step and keeps its checkpoints.")
  static final class Cancel implements Callable<Integer> {
    @Parameters(index = "0", description = "ladder id") String ladderId;
    @Mixin Endpoints endpoints;

    @Override
    public Integer call() {
      try (TemporalConnection connection = endpoints.connect()) {
        describe(connection, ladderId);
        connection.client().newUntypedWorkflowStub(ladderId).cancel();
        System.out.println("cancel requested for ladder " + ladderId);
        return 0;
      }
    }
  }

  @Command(name = "schedule", mixinStandardHelpOptions = true,
      description = "Start a ladder of SPEC on a Temporal Schedule (cron or interval); each start is a new ladder.")
  static final class ScheduleLadder implements Callable<Integer> {
    @Parameters(index = "0", description = "schedule id") String id;
    @Parameters(index = "1", description = "run spec (YAML)") Path spec;
    @Option(names = "--cron", description = "cron expression, e.g. '0 2 * * 0' (Sundays at 02:00)") String cron;
    @Option(names = "--interval", description = "ISO-8601 duration between ladders, e.g. P7D") Duration interval;
    @Option(names = "--overlap", defaultValue = "skip", description = "when a ladder is still going: skip or buffer-one") String overlap;
    @Option(names = "--paused", description = "create it paused") boolean paused;
    @Mixin Rungs rungs;
    @Mixin Endpoints endpoints;

    @Override
    public Integer call() {
      if ((cron == null) == (interval == null)) {
        throw new IllegalArgumentException("give exactly one of --cron or --interval");
      }
      RunSpec run = RunSpecLoader.load(spec);
      LadderSpec ladder = rungs.spec(run);
      LadderPlan plan = plan(ladder, spec);
      // Temporal appends the start time to a scheduled workflow's id: each ladder gets its own id and prefix.
      Schedule schedule = Schedule.newBuilder()
          .setAction(ScheduleActionStartWorkflow.newBuilder()
              .setWorkflowType(LadderWorkflow.class)
              .setArguments(ladder)
              .setOptions(options(run.name() + "-ladder", ladder, plan))
              .build())
          .setSpec(cron != null
              ? ScheduleSpec.newBuilder().setCronExpressions(List.of(cron)).build()
              : ScheduleSpec.newBuilder().setIntervals(List.of(new ScheduleIntervalSpec(interval))).build())
          .setPolicy(SchedulePolicy.newBuilder().setOverlap(ScheduleCommand.Create.overlapPolicy(overlap)).build())
          .setState(io.temporal.client.schedules.ScheduleState.newBuilder().setPaused(paused).build())
          .build();
      ScheduleCommand.withSchedules(endpoints, id,
          client -> client.createSchedule(id, schedule, ScheduleOptions.newBuilder().build()));
      System.out.println("schedule " + id + " created: " + (cron != null ? "cron '" + cron + "'" : "every " + interval)
          + ", ladders of " + plan.rungs().size() + " rungs of " + run.name()
          + " (kiln schedule describe|trigger|pause|delete " + id + ")");
      return 0;
    }
  }
}
