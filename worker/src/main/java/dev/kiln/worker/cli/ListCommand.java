package dev.kiln.worker.cli;

import dev.kiln.worker.TemporalConnection;
import dev.kiln.workflows.KilnSearchAttributes;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.common.SearchAttributes;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Lists runs with a visibility query over Kiln's search attributes. Needs a real Temporal server. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List runs, e.g. --query \"KilnStage='pretrain' AND KilnArchitecture='decoder'\".")
final class ListCommand implements Callable<Integer> {
  static final String RUNS = "WorkflowType='PretrainingWorkflow'";

  @Mixin Endpoints endpoints;

  @Option(names = "--query", description = "visibility query, ANDed with WorkflowType='PretrainingWorkflow'")
  String query;

  @Option(names = "--limit", defaultValue = "50")
  int limit;

  @Override
  public Integer call() {
    String fullQuery = query == null || query.isBlank() ? RUNS : RUNS + " AND (" + query + ")";
    try (TemporalConnection connection = endpoints.connect()) {
      List<WorkflowExecutionMetadata> runs = connection.client().listExecutions(fullQuery).limit(limit).toList();
      System.out.printf("%-36s %-10s %-13s %-16s %8s %8s%n", "RUN", "STATUS", "STAGE", "ARCHITECTURE", "STEP", "LOSS");
      for (WorkflowExecutionMetadata run : runs) {
        SearchAttributes a = run.getTypedSearchAttributes();
        System.out.printf("%-36s %-10s %-13s %-16s %8s %8s%n",
            run.getExecution().getWorkflowId(),
            run.getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase(),
            orDash(a.get(KilnSearchAttributes.STAGE)), orDash(a.get(KilnSearchAttributes.ARCHITECTURE)),
            orDash(a.get(KilnSearchAttributes.STEP)),
            a.get(KilnSearchAttributes.LOSS) == null ? "-" : String.format("%.4f", a.get(KilnSearchAttributes.LOSS)));
      }
      return 0;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
        throw new IllegalArgumentException(
            "kiln list needs visibility queries, which Temporal's in-JVM test server (--temporal in-jvm) does not have."
                + " Fix: point --address at a real server: kiln dev (127.0.0.1:7233), infra/start-temporal-dev.sh, or your cluster");
      }
      throw e;
    }
  }

  private static String orDash(Object value) {
    return value == null ? "-" : value.toString();
  }
}
