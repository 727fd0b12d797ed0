package dev.kiln.worker.cli;

import dev.kiln.worker.TemporalConnection;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.SetWorkerDeploymentCurrentVersionRequest;
import io.temporal.common.WorkerDeploymentVersion;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;

/** Rollout of a Worker Deployment version: what `temporal worker deployment set-current-version` does. */
final class WorkerDeployments {
  private static final Duration POLLERS_WAIT = Duration.ofSeconds(60);

  private WorkerDeployments() {}

  /**
   * Makes {@code version} its deployment's current version. The server accepts only a version it has seen poll, which
   * a worker that has just started may not yet have: retried for up to a minute.
   */
  static void makeCurrent(TemporalConnection connection, WorkerDeploymentVersion version, PrintStream out) throws InterruptedException {
    Instant deadline = Instant.now().plus(POLLERS_WAIT);
    while (true) {
      try {
        connection.service().blockingStub().setWorkerDeploymentCurrentVersion(SetWorkerDeploymentCurrentVersionRequest.newBuilder()
            .setNamespace(connection.namespace())
            .setDeploymentName(version.getDeploymentName())
            .setBuildId(version.getBuildId())
            .setIdentity("kiln worker --make-current")
            .build());
        out.println("kiln worker: build " + version.getBuildId() + " is now the current version of deployment "
            + version.getDeploymentName() + ": new runs start on it, running ones move to it at their next workflow task");
        return;
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        boolean notYetSeen = code == Status.Code.FAILED_PRECONDITION || code == Status.Code.NOT_FOUND;
        if (!notYetSeen || Instant.now().isAfter(deadline)) {
          throw new IllegalStateException("cannot make build " + version.getBuildId() + " current in deployment "
              + version.getDeploymentName() + " on " + connection.address() + ": " + e.getStatus().getDescription()
              + ". Fix: check that the server supports Worker Deployments (Temporal server >= 1.29.1), or set it by hand: "
              + "temporal worker deployment set-current-version --deployment-name " + version.getDeploymentName()
              + " --build-id " + version.getBuildId(), e);
        }
        Thread.sleep(1000);
      }
    }
  }
}
