package dev.kiln.worker.cli;

import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.KilnWorker;
import dev.kiln.worker.Preflight;
import dev.kiln.worker.RunClaims;
import dev.kiln.worker.RunReport;
import dev.kiln.worker.RunWatcher;
import dev.kiln.worker.TemporalConnection;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.worker.embedded.HomeLock;
import dev.kiln.workflows.pretraining.RunSummary;
import dev.kiln.workflows.spec.RunSpec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The main job: the whole life cycle on the home's local stack, in this JVM, with live progress. The same command
 * run again after a crash, a Ctrl-C or a reboot continues the unfinished run: the dev server's database holds its
 * history, so finished curation shards are not redone and training resumes from its last committed checkpoint.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run one pipeline to completion on a local stack (Temporal dev server + s3proxy under --home); "
        + "run it again after a crash to continue the same run.")
final class RunCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "run spec (YAML), e.g. configs/tiny-gpt.yaml")
  Path spec;

  @Option(names = "--run-id", description = "workflow id (default: this home's unfinished run of this spec, else <name>-<time>)")
  String runId;

  @Option(names = "--resume", description = "only continue an unfinished run (--run-id, else this home's last run of this spec); "
      + "fail if there is none")
  boolean resume;

  @Mixin EmbeddedOptions embedded;

  @Mixin Tf32Option tf32;

  @Override
  public Integer call() {
    String tf32Status = tf32.check();
    RunSpec runSpec = RunSpecLoader.load(spec);
    Preflight.checkLocalDevices(runSpec, spec.toString()); // this JVM is the run's gpu-queue worker: ask it before anything starts
    String specHash = RunClaims.specHash(runSpec);
    String bucket = embedded.bucket;
    try (HomeLock lock = HomeLock.acquire(embedded.home, "kiln run " + spec);
        EmbeddedStack stack = embedded.startStack(0, 0, 0, System.out);
        ObjectStore store = new ObjectStore(stack.storage(bucket));
        TemporalConnection connection = TemporalConnection.connect(stack.temporalAddress(), "default")) {
      System.out.println("kiln: " + embedded.temporal.limits() + " on " + stack.temporalAddress() + ", s3proxy over "
          + stack.storageDir() + "; " + tf32Status);
      store.ensureBucket();
      RunWatcher watcher = new RunWatcher(connection, System.out);
      Optional<String> unfinished = unfinishedRun(store, watcher, runSpec, specHash);
      String id;
      if (unfinished.isPresent()) {
        id = unfinished.get();
        System.out.println("kiln: continuing run " + id + " (" + watcher.describe(id) + ")");
      } else {
        id = runId != null ? runId : StartCommand.defaultRunId(runSpec);
        int uploaded = embedded.seed(store, Paths.hubCards(spec));
        System.out.printf("kiln: bucket %s (%d new raw objects)%n", bucket, uploaded);
        Preflight.checkData(runSpec, spec.toString(), store);
        RunClaims.claim(store, id, runSpec, specHash, spec.toString());
        HomeRuns.record(embedded.home, runSpec.name(), id, specHash);
      }
      try (KilnWorker worker = new KilnWorker(connection.client(), store, true, true, 2, 1)) {
        worker.start();
        if (unfinished.isEmpty()) {
          StartCommand.start(connection, runSpec, id);
          System.out.println("kiln: run " + id + " started");
        }
        stack.devServer().ifPresent(server -> System.out.println("kiln: Web UI " + server.webUi("default", id)
            + " while this command runs (other shells: kiln status " + id + " --address " + stack.temporalAddress()
            + "; `kiln dev --home " + embedded.home + "` serves the home again later)"));
        RunSummary summary = watcher.watch(id);
        System.out.print(RunReport.format(summary, bucket));
        return summary.isSkipped() || summary.evaluation().beatsBaseline() ? 0 : KilnCli.EXIT_RUN_FAILED;
      }
    }
  }

  /**
   * The run to continue, if any: {@code --run-id}'s (refused when it belongs to another spec or has ended), else
   * the home's last run of this spec while it is still running. Reads only: nothing is written before a run id is
   * known to be this spec's.
   */
  private Optional<String> unfinishedRun(ObjectStore store, RunWatcher watcher, RunSpec runSpec, String specHash) {
    if (runId != null) {
      Optional<RunClaims.Claim> claim = RunClaims.read(store, runId);
      if (claim.isEmpty()) {
        if (resume) {
          throw new RunClaims.RunIdInUseException("--resume: there is no run " + runId + " in home " + embedded.home
              + " to continue. Fix: leave out --resume to start it");
        }
        return Optional.empty();
      }
      RunClaims.requireSameSpec(claim.get(), specHash, spec.toString());
      Optional<WorkflowExecutionStatus> status = status(watcher, runId);
      if (status.isPresent() && status.get() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        return Optional.of(runId);
      }
      if (status.isEmpty() && store.list("runs/" + runId + "/").size() == 1) {
        return Optional.empty(); // claimed, then the process died before the run started: nothing of it to overwrite
      }
      throw new RunClaims.RunIdInUseException("run " + runId + " "
          + status.map(s -> "has already ended (" + s.name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase() + ")")
              .orElse("is recorded in the bucket, but the Temporal server no longer knows it (its state was lost)")
          + ". Nothing was changed. Fix: give a new --run-id");
    }
    Optional<HomeRuns.Entry> last = HomeRuns.last(embedded.home, runSpec.name());
    if (last.isPresent() && last.get().specSha256().equals(specHash)) {
      Optional<WorkflowExecutionStatus> status = status(watcher, last.get().runId());
      if (status.isPresent() && status.get() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        return Optional.of(last.get().runId());
      }
    }
    if (resume) {
      throw new RunClaims.RunIdInUseException("--resume: home " + embedded.home + " has no unfinished run of " + spec
          + ". Fix: leave out --resume to start a new run");
    }
    return Optional.empty();
  }

  private static Optional<WorkflowExecutionStatus> status(RunWatcher watcher, String id) {
    try {
      return Optional.of(watcher.status(id));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }
}
