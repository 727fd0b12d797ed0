package dev.kiln.worker;

import dev.kiln.worker.embedded.EmbeddedStack;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A {@code kiln <command>} in its own JVM, built from worker/target, with its output in a log file. */
final class KilnProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private KilnProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  static KilnProcess start(Path logDir, String name, String... args) throws IOException {
    return start(logDir, name, java.util.Map.of(), args);
  }

  static KilnProcess start(Path logDir, String name, java.util.Map<String, String> env, String... args) throws IOException {
    return start(logDir, name, env, List.of(), args);
  }

  /** @param classpathFirst directories or jars put before Kiln's own, whose classes take their place (another build) */
  static KilnProcess start(Path logDir, String name, java.util.Map<String, String> env, List<Path> classpathFirst, String... args)
      throws IOException {
    Path target = Path.of("target").toAbsolutePath();
    Path jar;
    try (var files = Files.list(target)) {
      jar = files.filter(f -> f.getFileName().toString().matches("kiln-worker-.*\\.jar")).findFirst()
          .orElseThrow(() -> new IllegalStateException("no worker jar in " + target + ": run mvn package first"));
    }
    String classpath = jar + File.pathSeparator + target.resolve("lib") + File.separator + "*";
    for (Path first : classpathFirst) {
      classpath = first.toAbsolutePath() + File.pathSeparator + classpath;
    }
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g",
        "-Dai.djl.offline=true", "-Dai.djl.default_engine=PyTorch",
        "-cp", classpath, "dev.kiln.worker.cli.KilnCli"));
    command.addAll(List.of(args));
    Files.createDirectories(logDir);
    Path log = logDir.resolve(name + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().put("AWS_ACCESS_KEY_ID", EmbeddedStack.ACCESS_KEY);
    builder.environment().put("AWS_SECRET_ACCESS_KEY", EmbeddedStack.SECRET_KEY);
    builder.environment().put("AWS_REGION", "us-east-1");
    builder.environment().put("GLIBC_TUNABLES", NativeMemory.GLIBC_TUNABLES); // as ./kiln starts it
    builder.environment().putAll(env);
    return new KilnProcess(builder.start(), log);
  }

  /** A worker ({@code kiln worker}) against any Temporal frontend; {@code args} follow it (e.g. the queues). */
  static KilnProcess worker(String temporalAddress, String s3Endpoint, String bucket, Path logDir, String name,
      List<String> args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        "worker", "--address", temporalAddress, "--s3-endpoint", s3Endpoint, "--bucket", bucket));
    command.addAll(args);
    return start(logDir, name, command.toArray(String[]::new));
  }

  /** A training worker ({@code --queues gpu}) against an embedded stack. */
  static KilnProcess worker(EmbeddedStack stack, String bucket, Path logDir, String name, String... extraArgs)
      throws IOException {
    List<String> args = new ArrayList<>(List.of("--queues", "gpu"));
    args.addAll(List.of(extraArgs));
    return worker(stack.temporalAddress(), stack.s3Endpoint().toString(), bucket, logDir, name, args);
  }

  /**
   * A training worker ({@code kiln worker --queues gpu}) with one libtorch thread: the test models gain nothing
   * from more, and on a busy machine spinning OpenMP threads of several processes starve each other.
   */
  static KilnProcess trainingWorker(Path logDir, String name, String temporalAddress, String s3Endpoint, String bucket)
      throws IOException {
    return start(logDir, name, java.util.Map.of("OMP_NUM_THREADS", "1"), "worker", "--queues", "gpu", "--address", temporalAddress, "--s3-endpoint", s3Endpoint,
        "--bucket", bucket);
  }

  /** SIGKILL: no shutdown hook, no last heartbeat, no cleanup; the way machines really die. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Waits for the process to exit; returns its exit code, or fails with its log after {@code timeout}. */
  int awaitExit(Duration timeout) throws IOException, InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("still running after " + timeout + "; its log:\n" + log());
    }
    return process.exitValue();
  }

  ProcessHandle handle() {
    return process.toHandle();
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits until the process's output contains {@code marker} (e.g. "polling"); fails with its log if it exits or
   * {@code timeout} passes first. Returns this process.
   */
  KilnProcess awaitLog(String marker, Duration timeout) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (!log().contains(marker)) {
      if (!isAlive() || Instant.now().isAfter(deadline)) {
        throw new AssertionError("'" + marker + "' did not appear in " + log + (isAlive() ? " within " + timeout
            : " before the process exited") + "; its log:\n" + log());
      }
      Thread.sleep(100);
    }
    return this;
  }

  /** Waits until the output matches {@code pattern}; returns the first match. */
  java.util.regex.Matcher awaitLog(java.util.regex.Pattern pattern, Duration timeout) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      java.util.regex.Matcher m = pattern.matcher(log());
      if (m.find()) {
        return m;
      }
      if (!isAlive() || Instant.now().isAfter(deadline)) {
        throw new AssertionError("'" + pattern + "' did not appear in " + log + (isAlive() ? " within " + timeout
            : " before the process exited") + "; its log:\n" + log());
      }
      Thread.sleep(100);
    }
  }

  String log() throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }
}
