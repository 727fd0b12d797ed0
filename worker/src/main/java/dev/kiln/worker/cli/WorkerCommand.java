package dev.kiln.worker.cli;

import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.storage.StorageSettings;
import dev.kiln.worker.KilnWorker;
import dev.kiln.worker.MetricsEndpoint;
import dev.kiln.worker.TemporalConnection;
import dev.kiln.workflows.TaskQueues;
import io.temporal.common.WorkerDeploymentVersion;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** A worker process against any Temporal frontend and S3 endpoint; runs until killed. */
@Command(name = "worker", mixinStandardHelpOptions = true, description = "Run a worker that polls the cpu and/or gpu task queues.")
final class WorkerCommand implements Callable<Integer> {
  @Mixin Endpoints endpoints;

  @Option(names = "--queues", split = ",", defaultValue = "cpu,gpu", description = "task queues to poll: cpu, gpu or both")
  List<String> queues;

  @Option(names = "--curation-slots", defaultValue = "2", description = "curation activities at once")
  int curationSlots;

  @Option(names = "--gpu-slots", defaultValue = "1", description = "training segments this worker holds at once"
      + " (default 1). Their steps take turns on the engine (DJL's gradient collector and seed are per process),"
      + " so more slots interleave several runs step by step, each bitwise as alone, but add no throughput")
  int gpuSlots;

  @Option(names = "--metrics-port", defaultValue = "-1", description = "serve Prometheus /metrics on this port (0: any free port; default: off)")
  int metricsPort;

  @Option(names = "--metrics-host", defaultValue = "127.0.0.1",
      description = "address the metrics endpoint binds (default: 127.0.0.1; e.g. 0.0.0.0 for a Prometheus on another machine)")
  String metricsHost;

  @Option(names = "--identity", description = "the worker's name in histories and the Web UI (default: <host>:<pid>/<queues>)")
  String identity;

  @Option(names = "--deployment-name", defaultValue = "${env:TEMPORAL_DEPLOYMENT_NAME}",
      description = "Worker Deployment this worker belongs to, e.g. kiln (default: $TEMPORAL_DEPLOYMENT_NAME; none: unversioned)")
  String deploymentName;

  @Option(names = "--build-id", defaultValue = "${env:TEMPORAL_WORKER_BUILD_ID}",
      description = "this worker's build id in the deployment, e.g. the image tag or git commit (default: $TEMPORAL_WORKER_BUILD_ID)")
  String buildId;

  @Option(names = "--make-current", description = "make this build the deployment's current version once it polls: new "
      + "runs start on it and running ones move to it at their next workflow task (see docs/operations.md)")
  boolean makeCurrent;

  @Mixin Tf32Option tf32;

  @Override
  public Integer call() throws InterruptedException {
    String tf32Status = tf32.check();
    if (metricsPort < -1 || metricsPort > 65_535) {
      throw new IllegalArgumentException("--metrics-port " + metricsPort + " is not a port. Fix: give one in 1-65535,"
          + " 0 for any free port, or leave the flag out (no metrics)");
    }
    for (String q : queues) {
      if (!q.equals(TaskQueues.CPU) && !q.equals(TaskQueues.GPU)) {
        throw new IllegalArgumentException("--queues: unknown queue '" + q + "'; use cpu, gpu or cpu,gpu");
      }
    }
    WorkerDeploymentVersion deployment = deployment();
    if (metricsPort >= 0 && !MetricsEndpoint.isLoopback(metricsHost)) {
      System.err.println("kiln worker: warning: --metrics-host " + metricsHost + " exposes this worker's /metrics (run ids, "
          + "steps, losses, hosts; no authentication) to every machine that can reach it");
    }
    try (MetricsEndpoint metrics = metricsPort < 0 ? null : new MetricsEndpoint(metricsHost, metricsPort);
        TemporalConnection connection = endpoints.connectWorker(metrics == null ? null : metrics.sdkScope());
        ObjectStore store = new ObjectStore(endpoints.storage().withTimeouts(StorageSettings.Timeouts.WORKER));
        KilnWorker worker =
            new KilnWorker(connection.client(), store, queues.contains(TaskQueues.CPU), queues.contains(TaskQueues.GPU), curationSlots, gpuSlots,
                identity, deployment)) {
      worker.start();
      if (makeCurrent) {
        WorkerDeployments.makeCurrent(connection, deployment, System.out);
      }
      System.out.println("kiln worker " + worker.identity() + ": polling " + queues + " on " + connection.address() + " (namespace " + connection.namespace() + ")"
          + (deployment == null ? "" : "; deployment " + deployment.getDeploymentName() + ", build " + deployment.getBuildId())
          + (metrics == null ? "" : "; metrics on http://" + metricsHost + ":" + metrics.port() + "/metrics") + "; " + tf32Status);
      System.out.flush();
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      stop.await();
      return 0;
    }
  }

  private WorkerDeploymentVersion deployment() {
    boolean named = deploymentName != null && !deploymentName.isBlank();
    boolean built = buildId != null && !buildId.isBlank();
    if (named != built) {
      throw new IllegalArgumentException((named ? "--build-id" : "--deployment-name") + " is missing: Worker Versioning needs both "
          + "(--deployment-name kiln --build-id <image tag or commit>, or TEMPORAL_DEPLOYMENT_NAME and TEMPORAL_WORKER_BUILD_ID), "
          + "or neither for an unversioned worker");
    }
    if (makeCurrent && !named) {
      throw new IllegalArgumentException("--make-current needs --deployment-name and --build-id");
    }
    return named ? new WorkerDeploymentVersion(deploymentName, buildId) : null;
  }
}
