package dev.kiln.worker.cli;

import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.KilnWorker;
import dev.kiln.worker.TemporalConnection;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.worker.embedded.HomeLock;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Keeps the home's local stack up for other processes (kiln worker / start / watch) until interrupted. */
@Command(name = "dev", mixinStandardHelpOptions = true,
    description = "Keep the local stack (Temporal dev server + s3proxy under --home) up on 127.0.0.1 for other kiln processes.")
final class DevCommand implements Callable<Integer> {
  @Option(names = "--temporal-port", defaultValue = "7233", description = "Temporal frontend port (default: 7233)")
  int temporalPort;

  @Option(names = "--ui-port", defaultValue = "8233", description = "Temporal Web UI port (default: 8233)")
  int uiPort;

  @Option(names = "--s3-port", defaultValue = "9000", description = "S3 port (default: 9000)")
  int s3Port;

  @Mixin EmbeddedOptions embedded;

  @Option(names = "--hub", defaultValue = "configs/hub", description = "hub cards to load")
  Path hub;

  @Option(names = "--with-worker", description = "also run a worker on both queues in this process")
  boolean withWorker;

  @Override
  public Integer call() throws InterruptedException {
    String bucket = embedded.bucket;
    try (HomeLock lock = HomeLock.acquire(embedded.home, "kiln dev");
        EmbeddedStack stack = embedded.startStack(temporalPort, uiPort, s3Port, System.out);
        ObjectStore store = new ObjectStore(stack.storage(bucket))) {
      embedded.seed(store, hub);
      KilnWorker worker = null;
      TemporalConnection connection = null;
      if (withWorker) {
        connection = TemporalConnection.connect(stack.temporalAddress(), "default");
        worker = new KilnWorker(connection.client(), store, true, true, 2, 1);
        worker.start();
      }
      System.out.println("kiln dev: " + embedded.temporal.limits() + " and s3proxy are up on 127.0.0.1 (home "
          + embedded.home.toAbsolutePath() + ")" + stack.devServer().map(s -> "; Web UI " + s.webUi()).orElse("")
          + ". In another shell:");
      System.out.println("export TEMPORAL_ADDRESS=" + stack.temporalAddress());
      System.out.println("export KILN_S3_ENDPOINT=" + stack.s3Endpoint());
      System.out.println("export KILN_BUCKET=" + bucket);
      System.out.println("export AWS_ACCESS_KEY_ID=" + EmbeddedStack.ACCESS_KEY);
      System.out.println("export AWS_SECRET_ACCESS_KEY=" + EmbeddedStack.SECRET_KEY);
      System.out.println("export AWS_REGION=us-east-1");
      System.out.println("READY");
      System.out.flush();
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      stop.await();
      if (worker != null) {
        worker.close();
        connection.close();
      }
      return 0;
    }
  }
}
