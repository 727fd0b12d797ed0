package dev.kiln.worker.cli;

import dev.kiln.activities.storage.StorageSettings;
import dev.kiln.worker.TemporalUnreachableException;
import dev.kiln.workflows.spec.InvalidRunSpecException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowNotFoundException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * What the command line says when a command fails: a few lines (what went wrong, the file, field or endpoint
 * involved, the fix), an exit code (1 the run failed, 2 bad input: files, fields, arguments, endpoints,
 * credentials), and the stack trace in a log file whose path the message names.
 */
final class CliErrors {
  /** How a failure is reported: the exit code and the lines for the terminal (without the details line). */
  record Failure(int exitCode, String message) {}

  /** Longest excerpt of a library's message that is shown (they may quote input). */
  static final int MAX_QUOTED = 160;
  /** Log files kept in the log directory; older ones are deleted. */
  static final int LOGS_KEPT = 50;

  private static final Set<String> RUN_ID_COMMANDS =
      Set.of("status", "cancel", "watch", "activities", "pause", "resume", "rollback", "skip-data", "set-lr");
  private static final List<String> PORT_FLAGS = List.of("--port", "--metrics-port", "--temporal-port", "--s3-port");
  private static final String START_TEMPORAL =
      "start one (kiln dev, or infra/start-temporal-dev.sh) or pass --address host:port (or set TEMPORAL_ADDRESS)";

  private static final Pattern NAMESPACE_NOT_FOUND =
      Pattern.compile("(?i)namespace\\s+\\S+\\s+(is\\s+)?not\\s+found|namespace\\s+not\\s+found");

  private CliErrors() {}

  /** Maps {@code e}, thrown by the command {@code cmd}, to its message and exit code. */
  static Failure classify(Throwable e, CommandLine cmd) {
    Endpoints endpoints = endpoints(cmd);
    if (e instanceof InvalidRunSpecException spec) {
      return bad(spec.getMessage());
    }
    if (e instanceof IllegalArgumentException) { // Kiln's own: the message already says what and how to fix it
      return bad(e.getMessage() == null ? "bad input (" + e.getClass().getSimpleName() + ")" : e.getMessage());
    }
    BindException bind = find(e, BindException.class);
    if (bind != null || anyMessageContains(e, "Address already in use") || anyMessageContains(e, "Failed to bind")) {
      return busyPort(e, cmd);
    }
    TemporalUnreachableException unreachable = find(e, TemporalUnreachableException.class);
    if (unreachable != null) {
      return bad(unreachable.getMessage() + ".\n  fix: " + START_TEMPORAL);
    }
    if (find(e, WorkflowNotFoundException.class) != null) {
      return notFound(cmd, endpoints, null);
    }
    StatusRuntimeException grpc = find(e, StatusRuntimeException.class);
    if (grpc != null) {
      Failure f = grpc(grpc, cmd, endpoints);
      if (f != null) {
        return f;
      }
    }
    S3Exception s3 = find(e, S3Exception.class);
    if (s3 != null) {
      return s3(s3, endpoints);
    }
    SdkClientException sdk = find(e, SdkClientException.class);
    if (sdk != null) {
      return s3Client(sdk, endpoints);
    }
    if (e instanceof WorkflowFailedException wfe) {
      return new Failure(KilnCli.EXIT_RUN_FAILED, "kiln: run failed: " + bounded(KilnCli.rootMessage(wfe), 600));
    }
    NoSuchFileException missing = find(e, NoSuchFileException.class);
    if (missing != null) {
      return bad(missing.getFile() + " does not exist.\n  fix: check the path (relative paths start in " + Path.of("").toAbsolutePath() + ")");
    }
    AccessDeniedException denied = find(e, AccessDeniedException.class);
    if (denied != null) {
      return bad(denied.getFile() + " cannot be read or written (permission denied).\n  fix: check its permissions");
    }
    return new Failure(KilnCli.EXIT_RUN_FAILED,
        "kiln: unexpected error: " + e.getClass().getName() + ": " + bounded(e.getMessage(), MAX_QUOTED));
  }

  private static Failure bad(String message) {
    return new Failure(KilnCli.EXIT_BAD_INPUT, message.startsWith("kiln: ") ? message : "kiln: " + message);
  }

  private static Failure grpc(StatusRuntimeException e, CommandLine cmd, Endpoints endpoints) {
    String target = endpoints != null ? endpoints.temporalTarget() : "the Temporal frontend";
    String description = bounded(e.getStatus().getDescription(), MAX_QUOTED);
    return switch (e.getStatus().getCode()) {
      case NOT_FOUND -> notFound(cmd, endpoints, e.getStatus().getDescription());
      case UNAVAILABLE, DEADLINE_EXCEEDED -> bad("Temporal at " + target + " did not answer ("
          + e.getStatus().getCode() + (description.isEmpty() ? "" : ": " + description) + ").\n  fix: " + START_TEMPORAL);
      case UNAUTHENTICATED, PERMISSION_DENIED -> bad("Temporal at " + target + " refused the request ("
          + e.getStatus().getCode() + (description.isEmpty() ? "" : ": " + description) + ").\n  fix: check --api-key"
          + " (TEMPORAL_API_KEY), the TLS flags (--tls, --tls-cert-path, --tls-key-path) and --namespace");
      case INVALID_ARGUMENT, ALREADY_EXISTS, FAILED_PRECONDITION, UNIMPLEMENTED -> bad("Temporal at " + target
          + " refused the request (" + e.getStatus().getCode() + (description.isEmpty() ? "" : ": " + description) + ")");
      default -> null;
    };
  }

  private static Failure notFound(CommandLine cmd, Endpoints endpoints, String description) {
    String address = endpoints != null ? endpoints.temporalTarget() : "the Temporal frontend";
    if (description != null && NAMESPACE_NOT_FOUND.matcher(description).find()) {
      return bad("namespace not found on " + address + " (" + bounded(description, MAX_QUOTED) + ").\n"
          + "  fix: pass --namespace (or set TEMPORAL_NAMESPACE) to an existing namespace, or create it"
          + " (temporal operator namespace create)");
    }
    String id = firstPositional(cmd);
    String command = cmd == null ? "" : cmd.getCommandName();
    if (cmd != null && cmd.getParent() != null && "schedule".equals(cmd.getParent().getCommandName())) {
      return bad("no schedule " + (id == null ? "" : id + " ") + "on " + address
          + ".\n  fix: check the id; kiln schedule list shows the schedules");
    }
    if (id != null && RUN_ID_COMMANDS.contains(command)) {
      return bad("no run " + id + " on " + address
          + ".\n  fix: give a run id that kiln start printed; kiln list shows the runs (on a real Temporal server)");
    }
    return bad("not found on " + address + (description == null ? "" : " (" + bounded(description, MAX_QUOTED) + ")"));
  }

  private static Failure s3(S3Exception e, Endpoints endpoints) {
    StorageSettings s = endpoints == null ? null : endpoints.storageTarget();
    String where = s == null ? "the S3 endpoint" : "S3 at " + s.endpointName();
    String bucket = s == null ? "" : " (bucket " + s.bucket() + ")";
    String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    String what = e.statusCode() + (code == null ? "" : " " + code);
    if (e.statusCode() == 403 || Set.of("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied").contains(code)) {
      return bad(where + " refused the credentials" + bucket + ": " + what + ".\n"
          + "  fix: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_REGION) to that endpoint's keys (kiln dev"
          + " prints the embedded stack's), or point --s3-endpoint (KILN_S3_ENDPOINT) at the store they belong to");
    }
    if (e.statusCode() == 404 || "NoSuchBucket".equals(code)) {
      return bad(where + " has no bucket" + (s == null ? "" : " " + s.bucket()) + ": " + what + ".\n"
          + "  fix: kiln seed creates and fills it, or pass --bucket (KILN_BUCKET) to an existing one");
    }
    return bad(where + " answered " + what + bucket + ".\n"
        + "  fix: check --s3-endpoint (KILN_S3_ENDPOINT) points at an S3-compatible store that is up");
  }

  private static Failure s3Client(SdkClientException e, Endpoints endpoints) {
    StorageSettings s = endpoints == null ? null : endpoints.storageTarget();
    String where = s == null ? "the S3 endpoint" : "the S3 endpoint " + s.endpointName();
    String bucket = s == null ? "" : " (bucket " + s.bucket() + ")";
    String fixEndpoint = "  fix: check that it is up (kiln dev or kiln storage serve one locally) and that --s3-endpoint"
        + " (KILN_S3_ENDPOINT) names it";
    if (anyMessageContains(e, "Unable to load credentials")) {
      return bad("no S3 credentials for " + where + bucket + ".\n"
          + "  fix: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_REGION), or AWS_PROFILE; kiln dev prints"
          + " the embedded stack's");
    }
    if (find(e, ApiCallTimeoutException.class) != null || find(e, ApiCallAttemptTimeoutException.class) != null
        || find(e, SocketTimeoutException.class) != null || anyMessageContains(e, "timed out")) {
      String bound = s == null ? "" : " within " + s.timeouts().bound().toSeconds() + " s";
      return bad(where + " did not answer" + bound + bucket + ".\n" + fixEndpoint + ", not another service");
    }
    if (find(e, ConnectException.class) != null || find(e, NoRouteToHostException.class) != null
        || anyMessageContains(e, "Connection refused")) {
      return bad("cannot connect to " + where + bucket + " (connection refused).\n" + fixEndpoint);
    }
    if (find(e, UnknownHostException.class) != null) {
      return bad("cannot resolve the host of " + where + bucket + ".\n" + fixEndpoint);
    }
    return bad(where + bucket + " failed: " + bounded(e.getMessage(), MAX_QUOTED) + "\n" + fixEndpoint);
  }

  private static Failure busyPort(Throwable e, CommandLine cmd) {
    String port = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      Matcher m = Pattern.compile(":(\\d{1,5})\\b").matcher(t.getMessage() == null ? "" : t.getMessage());
      while (m.find()) {
        port = m.group(1);
      }
      if (port != null) {
        break;
      }
    }
    String flag = null;
    if (cmd != null) {
      for (String name : PORT_FLAGS) {
        CommandLine.Model.OptionSpec option = cmd.getCommandSpec().findOption(name);
        if (option == null) {
          continue;
        }
        String value = String.valueOf((Object) option.getValue());
        if (flag == null || value.equals(port) || cmd.getParseResult().hasMatchedOption(name)) {
          flag = name;
          if (port == null) {
            port = value;
          }
          if (value.equals(port)) {
            break;
          }
        }
      }
    }
    String command = cmd == null ? "kiln" : cmd.getCommandSpec().qualifiedName();
    return bad("port " + (port == null ? "" : port + " ") + "is already in use (" + command + ").\n  fix: "
        + (flag == null ? "choose another port" : "pass another port with " + flag)
        + ", or stop the process that listens on it");
  }

  private static Endpoints endpoints(CommandLine cmd) {
    if (cmd == null) {
      return null;
    }
    for (Object mixin : cmd.getMixins().values()) {
      if (mixin instanceof Endpoints e) {
        return e;
      }
    }
    return null;
  }

  private static String firstPositional(CommandLine cmd) {
    if (cmd == null || cmd.getParseResult() == null) {
      return null;
    }
    return cmd.getParseResult().matchedPositionalValue(0, (String) null);
  }

  static <T extends Throwable> T find(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  private static boolean anyMessageContains(Throwable e, String text) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains(text)) {
        return true;
      }
    }
    return false;
  }

  /** The first line of {@code text}, at most {@code max} characters: libraries' messages may quote input. */
  static String bounded(String text, int max) {
    if (text == null) {
      return "";
    }
    String line = text.strip().lines().findFirst().orElse("");
    return line.length() > max ? line.substring(0, max) + "..." : line;
  }

  /** Where failures' details go: $KILN_LOG_DIR (or the system property kiln.logDir), else ~/.cache/kiln/logs. */
  static Path logDirectory() {
    String env = System.getProperty("kiln.logDir", System.getenv("KILN_LOG_DIR"));
    return env != null && !env.isBlank() ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".cache", "kiln", "logs");
  }

  /**
   * Writes the failure's stack trace (and the command, with secrets masked) to a new log file.
   *
   * @return the file, or null if it could not be written
   */
  static Path writeLog(Throwable e, String[] args, Failure failure) {
    try {
      Path dir = logDirectory();
      Files.createDirectories(dir);
      String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
      Path log = dir.resolve("kiln-" + stamp + "-" + ProcessHandle.current().pid() + ".log");
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      String text = "time: " + LocalDateTime.now() + "\ncommand: kiln " + String.join(" ", masked(args))
          + "\nexit code: " + failure.exitCode() + "\n\n" + failure.message() + "\n\n" + trace;
      Files.writeString(log, text, StandardCharsets.UTF_8);
      prune(dir);
      return log;
    } catch (IOException | RuntimeException cannot) {
      return null;
    }
  }

  private static List<String> masked(String[] args) {
    List<String> out = new ArrayList<>();
    boolean secretNext = false;
    for (String a : args) {
      if (secretNext) {
        out.add("***");
        secretNext = false;
      } else if (a.startsWith("--api-key=")) {
        out.add("--api-key=***");
      } else {
        out.add(a);
        secretNext = a.equals("--api-key");
      }
    }
    return out;
  }

  private static void prune(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> logs = files.filter(f -> f.getFileName().toString().matches("kiln-.*\\.log"))
          .sorted(Comparator.comparing(Path::getFileName).reversed()).toList();
      for (Path old : logs.subList(Math.min(LOGS_KEPT, logs.size()), logs.size())) {
        Files.deleteIfExists(old);
      }
    }
  }
}
