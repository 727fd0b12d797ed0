package dev.kiln.worker.cli;

import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.KilnWorker;
import dev.kiln.worker.Preflight;
import dev.kiln.worker.RunReport;
import dev.kiln.worker.RunWatcher;
import dev.kiln.worker.TemporalConnection;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.workflows.pretraining.RunSummary;
import dev.kiln.workflows.spec.RunSpec;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The main job: the whole life cycle on the embedded stack, in this JVM, with live progress. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run one pipeline to completion on the embedded stack (in-JVM Temporal + s3proxy).")
final class RunCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "run spec (YAML), e.g. configs/tiny-gpt.yaml")
  Path spec;

  @Option(names = "--run-id", description = "workflow id (default: <name>-<time>)")
  String runId;

  @Mixin EmbeddedOptions embedded;

  @Mixin Tf32Option tf32;

  @Override
  public Integer call() {
    String tf32Status = tf32.check();
    RunSpec runSpec = RunSpecLoader.load(spec);
    String id = runId != null ? runId : StartCommand.defaultRunId(runSpec);
    String bucket = embedded.bucket;
    System.out.println("kiln: starting the embedded stack (Temporal in-JVM server, s3proxy over " + embedded.storageDir() + "); "
        + tf32Status);
    try (EmbeddedStack stack = EmbeddedStack.start(embedded.storageDir(), 0, 0);
        ObjectStore store = new ObjectStore(stack.storage(bucket));
        TemporalConnection connection = TemporalConnection.connect(stack.temporalAddress(), "default")) {
      int uploaded = embedded.seed(store, Paths.hubCards(spec));
      System.out.printf("kiln: temporal %s, s3 %s (bucket %s, %d new raw objects)%n",
          stack.temporalAddress(), stack.s3Endpoint(), bucket, uploaded);
      Preflight.checkData(runSpec, spec.toString(), store);

      try (KilnWorker worker = new KilnWorker(connection.client(), store, true, true, 2, 1)) {
        worker.start();
        StartCommand.start(connection, runSpec, id);
        System.out.println("kiln: run " + id + " started");
        RunSummary summary = new RunWatcher(connection, System.out).watch(id);
        System.out.print(RunReport.format(summary, bucket));
        return summary.isSkipped() || summary.evaluation().beatsBaseline() ? 0 : KilnCli.EXIT_RUN_FAILED;
      }
    }
  }
}
