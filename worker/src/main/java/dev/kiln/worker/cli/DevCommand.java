package dev.kiln.worker.cli;

import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.KilnWorker;
import dev.kiln.worker.TemporalConnection;
import dev.kiln.worker.embedded.EmbeddedStack;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Keeps the embedded stack up for other processes (kiln worker / start / watch) until interrupted. */
@Command(name = "dev", mixinStandardHelpOptions = true, description = "Keep the embedded stack up on loopback for other kiln processes to use.")
final class DevCommand implements Callable<Integer> {
  @Option(names = "--temporal-port", defaultValue = "7233")
  int temporalPort;

  @Option(names = "--s3-port", defaultValue = "9000")
  int s3Port;

  @Mixin EmbeddedOptions embedded;

  @Option(names = "--hub", defaultValue = "configs/hub", description = "hub cards to load")
  Path hub;

  @Option(names = "--with-worker", description = "also run a worker on both queues in this process")
  boolean withWorker;

  @Override
  public Integer call() throws InterruptedException {
    String bucket = embedded.bucket;
    try (EmbeddedStack stack = EmbeddedStack.start(embedded.storageDir(), temporalPort, s3Port);
        ObjectStore store = new ObjectStore(stack.storage(bucket))) {
      embedded.seed(store, hub);
      KilnWorker worker = null;
      TemporalConnection connection = null;
      if (withWorker) {
        connection = TemporalConnection.connect(stack.temporalAddress(), "default");
        worker = new KilnWorker(connection.client(), store, true, true, 2, 1);
        worker.start();
      }
      System.out.println("kiln dev: the embedded stack is up (no persistence, Schedules or visibility queries). In another shell:");
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
