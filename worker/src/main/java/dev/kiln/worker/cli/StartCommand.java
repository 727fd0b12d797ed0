package dev.kiln.worker.cli;

import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.Preflight;
import dev.kiln.worker.TemporalConnection;
import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.pretraining.PretrainingWorkflow;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Starts a run on a running stack (embedded via kiln dev, or real) and prints its id. */
@Command(name = "start", mixinStandardHelpOptions = true, description = "Validate a run spec and start a run on a running Temporal service.")
final class StartCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "run spec (YAML)")
  Path spec;

  @Option(names = "--run-id", description = "workflow id (default: <name>-<time>)")
  String runId;

  @Mixin Endpoints endpoints;

  @Override
  public Integer call() {
    RunSpec runSpec = RunSpecLoader.load(spec);
    try (ObjectStore store = new ObjectStore(endpoints.storage())) {
      Preflight.checkData(runSpec, spec.toString(), store);
    }
    String id = runId != null ? runId : defaultRunId(runSpec);
    try (TemporalConnection connection = endpoints.connect()) {
      start(connection, runSpec, id);
    }
    System.out.println(id);
    return 0;
  }

  static String defaultRunId(RunSpec spec) {
    return spec.name() + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
  }

  /** What the Web UI shows beside the run: the spec in a few fields. */
  static Map<String, Object> memo(RunSpec spec) {
    Map<String, Object> memo = new LinkedHashMap<>();
    memo.put("spec", spec.name());
    memo.put("task", spec.useCase().task());
    memo.put("languages", spec.useCase().languages());
    memo.put("trainingFlops", spec.budget().trainingFlops());
    memo.put("model", spec.model().strategy() + (spec.model().hubModel() == null ? "" : " " + spec.model().hubModel()));
    memo.put("data", spec.data().rawPrefixes());
    return memo;
  }

  static void start(TemporalConnection connection, RunSpec spec, String runId) {
    PretrainingWorkflow run =
        connection.client().newWorkflowStub(
            PretrainingWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(runId)
                .setTaskQueue(TaskQueues.CPU)
                .setMemo(memo(spec))
                .build());
    WorkflowClient.start(run::run, spec);
  }
}
