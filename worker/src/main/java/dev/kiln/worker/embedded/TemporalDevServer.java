package dev.kiln.worker.embedded;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.worker.SearchAttributeRegistration;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The real Temporal dev server (the Temporal CLI's {@code server start-dev}) as a child process, with its SQLite
 * database, log and ports in one directory of the Kiln home. Its state survives the process: a run whose host
 * crashed continues when the same home is served again. It binds 127.0.0.1 only (frontend and Web UI).
 *
 * <p>A server this directory's earlier process left running (that process was killed before it could stop it) is
 * adopted, not started twice: the home's lock guarantees that no live Kiln process owns it any more.
 */
public final class TemporalDevServer implements EmbeddedStack.LocalTemporal {
  /** The pinned CLI that infra/install-temporal-cli.sh builds; its version is kept beside it. */
  public static final String CLI_VERSION = "v1.5.1";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final ProcessHandle process;
  private final int port;
  private final int uiPort;
  private final Thread stopOnExit;

  private TemporalDevServer(ProcessHandle process, int port, int uiPort) {
    this.process = process;
    this.port = port;
    this.uiPort = uiPort;
    // a JVM stopped by a signal (Ctrl-C, kill) stops its server too; only SIGKILL leaves it for the next process to adopt
    this.stopOnExit = new Thread(() -> stop(process), "temporal-dev-server-stop");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
  }

  /** Where the server's ports and pid are recorded, so a later process of the same home finds them. */
  record State(long pid, int port, int uiPort) {}

  /**
   * Serves {@code directory}'s database: adopts the server an earlier process of this home left running, or starts
   * one. {@code port}/{@code uiPort} 0 reuse the ports recorded last time when they are free, else pick free ones.
   */
  public static TemporalDevServer start(Path directory, int port, int uiPort, PrintStream progress) {
    try {
      Files.createDirectories(directory);
      Optional<State> previous = readState(directory);
      if (previous.isPresent()) {
        State s = previous.get();
        Optional<ProcessHandle> alive = ProcessHandle.of(s.pid()).filter(ProcessHandle::isAlive).filter(TemporalDevServer::isTemporal);
        if (alive.isPresent()) {
          boolean portsFit = (port == 0 || port == s.port()) && (uiPort == 0 || uiPort == s.uiPort());
          if (portsFit && healthy("127.0.0.1:" + s.port(), Duration.ofSeconds(5))) {
            progress.println("kiln: reusing the Temporal dev server this home's last process left running (pid " + s.pid() + ")");
            return new TemporalDevServer(alive.get(), s.port(), s.uiPort());
          }
          stop(alive.get()); // ours (the home is locked) but unusable or on other ports: it holds the database
        }
      }
      Path cli = findCli();
      int p = chosenPort(port, previous.map(State::port).orElse(0));
      int ui = chosenPort(uiPort, previous.map(State::uiPort).orElse(0));
      if (ui == p) {
        ui = EmbeddedStack.freePort();
      }
      List<String> command = new ArrayList<>(List.of(cli.toString(), "server", "start-dev",
          "--ip", "127.0.0.1", "--ui-ip", "127.0.0.1", "--port", Integer.toString(p), "--ui-port", Integer.toString(ui),
          "--db-filename", directory.resolve("temporal.db").toAbsolutePath().toString(), "--log-level", "warn"));
      Path log = directory.resolve("server.log");
      Process started = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
      writeState(directory, new State(started.pid(), p, ui));
      String address = "127.0.0.1:" + p;
      Instant deadline = Instant.now().plus(START_TIMEOUT);
      Instant nextNote = Instant.now().plusSeconds(5);
      // healthy while our process still lives: a server that failed to bind exits, and another may answer on the port
      while (!(healthy(address, Duration.ofSeconds(2)) && started.isAlive())) {
        if (!started.isAlive()) {
          throw new IllegalStateException("the Temporal dev server exited at start (code " + started.exitValue()
              + "); its log: " + log + lastLines(log));
        }
        if (Instant.now().isAfter(deadline)) {
          stop(started.toHandle());
          throw new IllegalStateException("the Temporal dev server on " + address + " was not healthy after "
              + START_TIMEOUT.toSeconds() + " s; its log: " + log);
        }
        if (Instant.now().isAfter(nextNote)) {
          progress.println("kiln: waiting for the Temporal dev server on " + address + " ...");
          nextNote = Instant.now().plusSeconds(10);
        }
        Thread.sleep(250);
      }
      WorkflowServiceStubs service = stubs(address);
      try {
        SearchAttributeRegistration.register(service, "default");
      } finally {
        service.shutdown();
      }
      return new TemporalDevServer(started.toHandle(), p, ui);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Temporal dev server in " + directory + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the Temporal dev server", e);
    }
  }

  /**
   * The Temporal CLI: {@code $KILN_TEMPORAL_CLI}, else the one infra/install-temporal-cli.sh built
   * ({@code $KILN_BIN_DIR} or ~/.cache/kiln/bin), else {@code temporal} on the PATH.
   */
  public static Path findCli() {
    String env = System.getenv("KILN_TEMPORAL_CLI");
    if (env != null && !env.isBlank()) {
      Path p = Path.of(env);
      if (Files.isExecutable(p)) {
        return p;
      }
      throw new IllegalArgumentException("KILN_TEMPORAL_CLI is " + env + ", which is not an executable file. "
          + "Fix: run infra/install-temporal-cli.sh and point it at the path that prints, or unset it");
    }
    String binDir = System.getenv("KILN_BIN_DIR");
    Path installed = (binDir != null && !binDir.isBlank() ? Path.of(binDir) : Path.of(System.getProperty("user.home"), ".cache", "kiln", "bin"))
        .resolve("temporal");
    if (Files.isExecutable(installed)) {
      return installed;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, "temporal");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new IllegalArgumentException("the Temporal CLI (its dev server keeps runs durable) is not installed. "
        + "Fix: run infra/install-temporal-cli.sh once (builds temporal " + CLI_VERSION + " with Go >= 1.25, a few minutes; "
        + "./kiln does it for you), or pass --temporal in-jvm to use Temporal's in-JVM test server (no persistence)");
  }

  @Override
  public String address() {
    return "127.0.0.1:" + port;
  }

  public String webUi() {
    return "http://127.0.0.1:" + uiPort;
  }

  /** The Web UI's page of one workflow. */
  public String webUi(String namespace, String workflowId) {
    return webUi() + "/namespaces/" + namespace + "/workflows/" + URLEncoder.encode(workflowId, StandardCharsets.UTF_8);
  }

  /** Stops the server (its database stays, so the next start resumes every run in it). */
  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
    stop(process);
  }

  /** SIGTERM (the server stops in about a second), then SIGKILL; returns once it has exited and freed its database. */
  private static void stop(ProcessHandle handle) {
    handle.destroy();
    try {
      handle.onExit().get(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      handle.destroyForcibly();
      try {
        handle.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception gone) {
        // SIGKILL cannot be refused; the process is gone or going
      }
    }
  }

  private static boolean isTemporal(ProcessHandle handle) {
    return handle.info().command().map(c -> Path.of(c).getFileName().toString().startsWith("temporal")).orElse(true);
  }

  private static int chosenPort(int requested, int previous) throws IOException {
    if (requested != 0) {
      return requested;
    }
    if (previous != 0 && free(previous)) {
      return previous;
    }
    return EmbeddedStack.freePort();
  }

  private static boolean free(int port) {
    try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static boolean healthy(String address, Duration timeout) {
    WorkflowServiceStubs service = stubs(address);
    try {
      service.blockingStub().withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      return true;
    } catch (RuntimeException e) {
      return false;
    } finally {
      service.shutdownNow();
    }
  }

  private static WorkflowServiceStubs stubs(String address) {
    return WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
  }

  private static Optional<State> readState(Path directory) {
    Path file = directory.resolve("server.json");
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(file.toFile(), State.class));
    } catch (IOException e) {
      return Optional.empty(); // torn by a crash mid-write: start afresh
    }
  }

  private static void writeState(Path directory, State state) throws IOException {
    Path tmp = directory.resolve("server.json.tmp");
    Files.write(tmp, JSON.writeValueAsBytes(Map.of("pid", state.pid(), "port", state.port(), "uiPort", state.uiPort())));
    Files.move(tmp, directory.resolve("server.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private static String lastLines(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      List<String> tail = lines.subList(Math.max(0, lines.size() - 5), lines.size());
      return tail.isEmpty() ? "" : "\n  " + String.join("\n  ", tail.stream().map(l -> l.length() > 200 ? l.substring(0, 200) + "..." : l).toList());
    } catch (IOException e) {
      return "";
    }
  }
}
