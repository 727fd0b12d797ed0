package dev.kiln.worker.cli;

import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.worker.embedded.LocalS3;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * S3-compatible storage over a local directory (s3proxy) in its own process, for development against a real
 * Temporal server and for tests that take storage away and bring it back.
 */
@Command(name = "storage", mixinStandardHelpOptions = true, description = "Serve S3-compatible storage over a directory (s3proxy) until stopped.")
final class StorageCommand implements Callable<Integer> {
  @Option(names = "--dir", description = "directory holding the buckets (default: .kiln/s3)")
  Path dir = Path.of(".kiln", "s3");

  @Option(names = "--port", description = "loopback port (default: 9000)")
  int port = 9000;

  @Override
  public Integer call() throws Exception {
    LocalS3 s3 = LocalS3.start(dir, port);
    Runtime.getRuntime().addShutdownHook(new Thread(s3::close));
    System.out.println("kiln storage: " + s3.endpoint() + " over " + dir.toAbsolutePath()
        + " (access key " + EmbeddedStack.ACCESS_KEY + ", secret " + EmbeddedStack.SECRET_KEY + ")");
    new CountDownLatch(1).await();
    return 0;
  }
}
