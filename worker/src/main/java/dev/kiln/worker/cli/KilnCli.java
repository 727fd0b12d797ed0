package dev.kiln.worker.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

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
      GenerateCommand.class,
      EvaluateCommand.class,
      ScheduleCommand.class,
      QualityCommand.class,
      LadderCommand.class
    })
public final class KilnCli {
  public static final int EXIT_RUN_FAILED = 1;
  public static final int EXIT_BAD_INPUT = 2;

  @Option(names = "--verbose", scope = ScopeType.INHERIT,
      description = "on failure, print the stack trace too (it always goes to the log file the message names)")
  boolean verbose;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new KilnCli());
    try {
      return cli
          .setExecutionExceptionHandler((e, cmd, parsed) -> handle(e, cmd, args))
          .setParameterExceptionHandler(KilnCli::badArguments)
          .execute(args);
    } catch (RuntimeException | Error e) { // an Error (e.g. a native library that does not load) passes picocli by
      return handle(e, cli, args);
    }
  }

  /**
   * A command failed: a few lines on stderr (what, where, the fix), the stack trace in a log file (and on stderr
   * with --verbose), and the exit code: 1 the run failed or something unexpected, 2 bad input.
   */
  private static int handle(Throwable e, CommandLine cmd, String[] args) {
    CliErrors.Failure failure;
    try {
      failure = CliErrors.classify(e, cmd);
    } catch (RuntimeException classifying) {
      failure = new CliErrors.Failure(EXIT_RUN_FAILED, "kiln: unexpected error: " + e.getClass().getName() + ": "
          + CliErrors.bounded(e.getMessage(), CliErrors.MAX_QUOTED));
    }
    Path log = CliErrors.writeLog(e, args, failure);
    PrintWriter err = cmd.getErr();
    err.println(failure.message());
    err.println("  details: " + (log == null ? "(no log file could be written in " + CliErrors.logDirectory() + ")" : log)
        + (verbose(args) ? "" : " (or run with --verbose)"));
    if (verbose(args)) {
      e.printStackTrace(err);
    }
    err.flush();
    return failure.exitCode();
  }

  /** Unknown subcommands and options, missing or malformed arguments: one line, a suggestion, exit 2. */
  private static int badArguments(CommandLine.ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println("kiln: " + CliErrors.bounded(e.getMessage(), 200));
    if (e instanceof CommandLine.UnmatchedArgumentException unmatched) {
      CommandLine.UnmatchedArgumentException.printSuggestions(unmatched, err);
    }
    err.println("  usage: " + cmd.getCommandSpec().qualifiedName() + " --help");
    err.flush();
    return EXIT_BAD_INPUT;
  }

  private static boolean verbose(String[] args) {
    for (String a : args) {
      if (a.equals("--")) {
        return false;
      }
      if (a.equals("--verbose")) {
        return true;
      }
    }
    return false;
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
