package dev.kiln.worker;

import dev.kiln.workflows.curation.CurationWorkflow;
import dev.kiln.workflows.pretraining.PretrainingWorkflow;
import dev.kiln.workflows.pretraining.RunProgress;
import dev.kiln.workflows.pretraining.RunSummary;
import dev.kiln.workflows.training.GoodputLedger;
import dev.kiln.workflows.training.TrainingHeartbeat;
import dev.kiln.workflows.training.TrainingWorkflow;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.DataConverter;
import io.temporal.api.common.v1.WorkflowExecution;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Live progress of a run for the terminal: the stage from the run's query, shard counts from the curation
 * child, and step / loss / tokens per second / ETA from the training activity's last heartbeat.
 */
public final class RunWatcher {
  private final TemporalConnection connection;
  private final PrintStream out;
  private final boolean interactive;

  public RunWatcher(TemporalConnection connection, PrintStream out) {
    this.connection = connection;
    this.out = out;
    this.interactive = System.console() != null;
  }

  /** Prints progress until the run closes; returns its summary (or throws the run's failure). */
  public RunSummary watch(String runId) {
    WorkflowClient client = connection.client();
    String lastLine = "";
    long lastPrinted = 0;
    while (true) {
      WorkflowExecutionStatus status = status(runId);
      if (status != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        if (interactive) {
          out.println();
        }
        return client.newUntypedWorkflowStub(runId).getResult(RunSummary.class);
      }
      String line = describe(runId);
      long now = System.currentTimeMillis();
      if (interactive) {
        out.print("\r\033[2K" + line);
        out.flush();
      } else if (!line.equals(lastLine) && now - lastPrinted > 5000) {
        out.println(line);
        lastPrinted = now;
      }
      lastLine = line;
      sleep(Duration.ofSeconds(1));
    }
  }

  /** One line: where the run is now. */
  public String describe(String runId) {
    WorkflowClient client = connection.client();
    RunProgress progress;
    try {
      progress = client.newWorkflowStub(PretrainingWorkflow.class, runId).progress();
    } catch (RuntimeException e) {
      return "[starting]";
    }
    String stage = progress.stage();
    StringBuilder line = new StringBuilder("[" + stage + "]");
    try {
      if (stage.equals("curate")) {
        CurationWorkflow.CurationProgress c =
            client.newWorkflowStub(CurationWorkflow.class, progress.curationWorkflowId()).progress();
        line.append(String.format(" shards %d/%d  %s", c.shardsDone(), c.shards(), c.phase()));
      } else if (stage.equals("pretrain")) {
        trainingHeartbeat(progress.trainingWorkflowId())
            .ifPresentOrElse(
                h ->
                    line.append(String.format(
                        " step %d/%d  loss %.4f  %,.0f tokens/s  ETA %s",
                        h.step(), h.totalSteps(), h.loss(), h.tokensPerSecond(), eta(h)))
                        .append(h.waitingFor() == null ? "" : "  waiting for " + h.waitingFor()),
                () -> line.append(trainingState(progress.trainingWorkflowId())));
      }
    } catch (RuntimeException e) {
      line.append(" (child not started yet)");
    }
    return line.toString();
  }

  private String trainingState(String trainingWorkflowId) {
    TrainingWorkflow.TrainingProgress p =
        connection.client().newWorkflowStub(TrainingWorkflow.class, trainingWorkflowId).progress();
    return "paused".equals(p.state())
        ? " paused at step " + p.committedStep() + "/" + p.totalSteps() + " (kiln resume to go on)"
        : " step " + p.committedStep() + "/" + p.totalSteps() + ": between segments, or waiting for a gpu worker";
  }

  /**
   * Several lines about a run's training from the training workflow's own record: state, committed step, data
   * cursor, stored checkpoints, goodput, and the ledger of interruptions, rollbacks and warnings.
   */
  public String trainingDetail(String runId) {
    RunProgress progress = connection.client().newWorkflowStub(PretrainingWorkflow.class, runId).progress();
    if (progress.trainingWorkflowId() == null || !progress.stage().equals("pretrain")) {
      return "";
    }
    TrainingWorkflow.TrainingProgress p =
        connection.client().newWorkflowStub(TrainingWorkflow.class, progress.trainingWorkflowId()).progress();
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
        "training  %s; committed step %d/%d, loss %.4f, %,d tokens; next data index %,d; ETA %s; goodput %.1f%%%n",
        p.state(), p.committedStep(), p.totalSteps(), p.lastLoss(), p.tokensCommitted(), p.dataCursor(),
        Double.isFinite(p.etaSeconds()) ? formatSeconds(p.etaSeconds()) : "?", 100 * p.goodput()));
    b.append("          stored checkpoints at steps ").append(p.retainedSteps()).append('\n');
    p.learningRates().forEach(lr -> b.append("          learning rate set to ").append(lr.learningRate())
        .append(" from step ").append(lr.fromStep()).append('\n'));
    GoodputLedger.details(p.interruptions(), p.rollbacks(), p.warnings(), p.totals())
        .forEach(line -> b.append("          ").append(line).append('\n'));
    return b.toString();
  }

  private static String eta(TrainingHeartbeat h) {
    if (h.tokensPerSecond() <= 0 || h.step() <= 0) {
      return "?";
    }
    return formatSeconds(h.etaSeconds());
  }

  static String formatSeconds(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60) : String.format("%dm%02ds", s / 60, s % 60);
  }

  Optional<TrainingHeartbeat> trainingHeartbeat(String trainingWorkflowId) {
    DescribeWorkflowExecutionResponse d = describeExecution(trainingWorkflowId);
    for (PendingActivityInfo activity : d.getPendingActivitiesList()) {
      if (activity.hasHeartbeatDetails() && activity.getHeartbeatDetails().getPayloadsCount() > 0) {
        return Optional.of(
            DataConverter.getDefaultInstance()
                .fromPayloads(0, Optional.of(activity.getHeartbeatDetails()), TrainingHeartbeat.class, TrainingHeartbeat.class));
      }
    }
    return Optional.empty();
  }

  public WorkflowExecutionStatus status(String workflowId) {
    return describeExecution(workflowId).getWorkflowExecutionInfo().getStatus();
  }

  private DescribeWorkflowExecutionResponse describeExecution(String workflowId) {
    return connection
        .service()
        .blockingStub()
        .describeWorkflowExecution(
            DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(connection.namespace())
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                .build());
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
