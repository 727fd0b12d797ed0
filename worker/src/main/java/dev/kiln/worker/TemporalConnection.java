package dev.kiln.worker;

import com.uber.m3.tally.Scope;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A client connection to any Temporal frontend, configured by {@link ConnectionSettings}. */
public final class TemporalConnection implements AutoCloseable {
  private final WorkflowServiceStubs service;
  private final WorkflowClient client;
  private final String address;
  private final String namespace;

  private TemporalConnection(ConnectionSettings settings, Scope metricsScope) {
    this.address = settings.address();
    this.namespace = settings.namespace();
    this.service = WorkflowServiceStubs.newServiceStubs(settings.stubsOptions(metricsScope));
    this.client = WorkflowClient.newInstance(service, settings.clientOptions());
  }

  /** A plain connection to a local frontend (the embedded stack, tests). */
  public static TemporalConnection connect(String address, String namespace) {
    return connect(ConnectionSettings.local(address, namespace), null);
  }

  /** @param metricsScope where the SDK reports its metrics, or null */
  public static TemporalConnection connect(ConnectionSettings settings, Scope metricsScope) {
    return new TemporalConnection(settings, metricsScope);
  }

  /**
   * A connection whose frontend answered (GetSystemInfo) within {@code wait}: the command line's way in, so an
   * address where nothing listens fails in bounded time naming it instead of hanging in the SDK's retries. After
   * {@link #PATIENCE_BEFORE_PROGRESS} without an answer it says on {@code progress} what it waits for.
   *
   * @throws TemporalUnreachableException if no frontend answered in time
   */
  public static TemporalConnection connectReachable(ConnectionSettings settings, Scope metricsScope, Duration wait,
      PrintStream progress) {
    TemporalConnection connection = connect(settings, metricsScope);
    try {
      connection.awaitReachable(wait, progress);
      return connection;
    } catch (RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  /** How long a command waits in silence for the frontend before it says it is waiting. */
  public static final Duration PATIENCE_BEFORE_PROGRESS = Duration.ofSeconds(2);

  /** Asks the frontend for its system info until it answers or {@code wait} passes; see {@link #connectReachable}. */
  public void awaitReachable(Duration wait, PrintStream progress) {
    long start = System.nanoTime();
    long deadline = start + wait.toNanos();
    boolean announced = false;
    StatusRuntimeException last = null;
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new TemporalUnreachableException(address, wait, last);
      }
      long attempt = Math.min(left, Math.max(TimeUnit.MILLISECONDS.toNanos(500),
          start + PATIENCE_BEFORE_PROGRESS.toNanos() - System.nanoTime()));
      try {
        service.blockingStub().withWaitForReady().withDeadlineAfter(attempt, TimeUnit.NANOSECONDS)
            .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
        return;
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) {
          throw e; // it answered: with an error of its own (e.g. UNAUTHENTICATED), which the caller reports
        }
        last = e;
      }
      if (!announced && progress != null && System.nanoTime() - start >= PATIENCE_BEFORE_PROGRESS.toNanos()) {
        progress.println("kiln: waiting for Temporal at " + address + " (up to " + wait.toSeconds() + " s)...");
        progress.flush();
        announced = true;
      }
    }
  }

  public WorkflowServiceStubs service() {
    return service;
  }

  public WorkflowClient client() {
    return client;
  }

  public String address() {
    return address;
  }

  public String namespace() {
    return namespace;
  }

  @Override
  public void close() {
    service.shutdown();
  }
}
