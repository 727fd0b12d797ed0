package dev.kiln.worker.cli;

import dev.kiln.worker.TemporalConnection;
import dev.kiln.workflows.pretraining.PretrainingWorkflow;
import dev.kiln.workflows.pretraining.RunProgress;
import dev.kiln.workflows.training.TrainingWorkflow;
import io.temporal.client.WorkflowUpdateException;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Operator control of a run's training, as durable, validated Temporal updates: an invalid request is refused
 * with the reason and changes nothing; an accepted one stops the running segment at a checkpoint of its step,
 * takes effect, and prints what it did.
 */
final class TrainingControlCommands {
  private TrainingControlCommands() {}

  /** Sends one update to the run's training workflow and prints its result. */
  static int control(Endpoints endpoints, String runId, Function<TrainingWorkflow, TrainingWorkflow.ControlResult> update) {
    try (TemporalConnection connection = endpoints.connect()) {
      RunProgress progress = connection.client().newWorkflowStub(PretrainingWorkflow.class, runId).progress();
      if (!"pretrain".equals(progress.stage())) {
        throw new IllegalArgumentException("run " + runId + " is in stage '" + progress.stage()
            + "'; training controls apply while it is in 'pretrain' (see `kiln status " + runId + "`)");
      }
      TrainingWorkflow training = connection.client().newWorkflowStub(TrainingWorkflow.class, progress.trainingWorkflowId());
      try {
        System.out.println(runId + ": " + update.apply(training).message());
        return 0;
      } catch (WorkflowUpdateException refused) {
        throw new IllegalArgumentException("refused: " + KilnCli.rootMessage(refused));
      }
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause a run's training at a committed checkpoint of its current step.")
  static final class Pause implements Callable<Integer> {
    @Parameters(index = "0", description = "run id") String runId;
    @Option(names = "--reason", description = "why, for the run's record") String reason = "operator";
    @Mixin Endpoints endpoints;

    @Override
    public Integer call() {
      return control(endpoints, runId, t -> t.pause(reason));
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a paused run's training.")
  static final class Resume implements Callable<Integer> {
    @Parameters(index = "0", description = "run id") String runId;
    @Mixin Endpoints endpoints;

    @Override
    public Integer call() {
      return control(endpoints, runId, TrainingWorkflow::resume);
    }
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true, description = "Roll a run's training back to a committed checkpoint that is still stored.")
  static final class Rollback implements Callable<Integer> {
    @Parameters(index = "0", description = "run id") String runId;
    @Option(names = "--to-step", required = true, description = "a committed step (see `kiln status`)") int step;
    @Mixin Endpoints endpoints;

    @Override
    public Integer call() {
      return control(endpoints, runId, t -> t.rollback(step));
    }
  }

  @Command(name = "skip-data", mixinStandardHelpOptions = true, description = "Never train on data indices [from, to) (the part not yet trained on).")
  static final class SkipData implements Callable<Integer> {
    @Parameters(index = "0", description = "run id") String runId;
    @Option(names = "--from", required = true, description = "first data index to skip") long from;
    @Option(names = "--to", required = true, description = "first data index not skipped") long to;
    @Mixin Endpoints endpoints;

    @Override
    public Integer call() {
      return control(endpoints, runId, t -> t.skipData(from, to));
    }
  }

  @Command(name = "set-lr", mixinStandardHelpOptions = true, description = "Set the learning rate from the current step on (the schedule keeps its shape).")
  static final class SetLearningRate implements Callable<Integer> {
    @Parameters(index = "0", description = "run id") String runId;
    @Parameters(index = "1", description = "learning rate, in (0, 1]") double learningRate;
    @Mixin Endpoints endpoints;

    @Override
    public Integer call() {
      return control(endpoints, runId, t -> t.setLearningRate(learningRate));
    }
  }
}
