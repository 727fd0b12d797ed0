package dev.kiln.worker.cli;

import dev.kiln.workflows.spec.InvalidRunSpecException;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code kiln} command line. Exit codes: 0 done, 1 the run failed, 2 bad input. */
@Command(
    name = "kiln",
    mixinStandardHelpOptions = true,
    version = "kiln 0.1.0",
    description = "Pretraining of language models as durable Temporal workflows.",
    subcommands = {
      RunCommand.class,
      DevCommand.class,
      WorkerCommand.class,
      SeedCommand.class,
      StartCommand.class,
      StatusCommand.class,
      ActivitiesCommand.class,
      WatchCommand.class,
      CancelCommand.class,
      TrainingControlCommands.Pause.class,
      TrainingControlCommands.Resume.class,
      TrainingControlCommands.Rollback.class,
      TrainingControlCommands.SkipData.class,
      TrainingControlCommands.SetLearningRate.class,
      ListCommand.class,
      SetupCommand.class,
      StorageCommand.class,
      ScheduleCommand.class
    })
public final class KilnCli {
  public static final int EXIT_RUN_FAILED = 1;
  public static final int EXIT_BAD_INPUT = 2;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  public static int execute(String... args) {
    return new CommandLine(new KilnCli()).setExecutionExceptionHandler(KilnCli::handle).execute(args);
  }

  private static int handle(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    if (e instanceof InvalidRunSpecException || e instanceof IllegalArgumentException) {
      cmd.getErr().println("error: " + e.getMessage());
      return EXIT_BAD_INPUT;
    }
    if (e instanceof WorkflowFailedException wfe) {
      cmd.getErr().println("run failed: " + rootMessage(wfe));
      return EXIT_RUN_FAILED;
    }
    throw new RuntimeException(e);
  }

  /** The innermost failure's message: the one that says what went wrong (e.g. the spec problem). */
  static String rootMessage(Throwable e) {
    Throwable t = e;
    String message = e.getMessage();
    while (t != null) {
      if (t instanceof ApplicationFailure af) {
        message = af.getOriginalMessage() + " [" + af.getType() + "]";
      } else if (t instanceof TemporalFailure tf && tf.getOriginalMessage() != null && !tf.getOriginalMessage().isBlank()) {
        message = tf.getOriginalMessage();
      }
      t = t.getCause();
    }
    return message;
  }
}
