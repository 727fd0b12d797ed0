package dev.kiln.worker;

import dev.kiln.worker.embedded.EmbeddedStack;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A worker ({@code kiln worker}) in its own JVM, pointed at a Temporal frontend and S3 endpoint, with its output in a log file. */
final class WorkerProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private WorkerProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** A training worker ({@code --queues gpu}) against an embedded stack. */
  static WorkerProcess start(EmbeddedStack stack, String bucket, Path logDir, String name, String... extraArgs) throws IOException {
    List<String> args = new ArrayList<>(List.of("--queues", "gpu"));
    args.addAll(List.of(extraArgs));
    return start(stack.temporalAddress(), stack.s3Endpoint().toString(), bucket, logDir, name, args);
  }

  /** A worker against any Temporal frontend; {@code args} follow {@code kiln worker} (e.g. the queues). */
  static WorkerProcess start(String temporalAddress, String s3Endpoint, String bucket, Path logDir, String name, List<String> args)
      throws IOException {
    Path target = Path.of("target").toAbsolutePath();
    Path jar;
    try (var files = Files.list(target)) {
      jar = files.filter(f -> f.getFileName().toString().matches("kiln-worker-.*\\.jar")).findFirst()
          .orElseThrow(() -> new IllegalStateException("no worker jar in " + target + ": run mvn package first"));
    }
    String classpath = jar + File.pathSeparator + target.resolve("lib") + File.separator + "*";
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g",
        "-Dai.djl.offline=true", "-Dai.djl.default_engine=PyTorch",
        "-cp", classpath, "dev.kiln.worker.cli.KilnCli", "worker",
        "--address", temporalAddress, "--s3-endpoint", s3Endpoint, "--bucket", bucket));
    command.addAll(args);
    Path log = logDir.resolve(name + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("AWS_ACCESS_KEY_ID", EmbeddedStack.ACCESS_KEY);
    builder.environment().put("AWS_SECRET_ACCESS_KEY", EmbeddedStack.SECRET_KEY);
    builder.environment().put("AWS_REGION", "us-east-1");
    return new WorkerProcess(builder.start(), log);
  }

  /** SIGKILL: no shutdown hook, no last heartbeat, no cleanup; the way machines really die. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  boolean isAlive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
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
