package dev.kiln.worker;

import com.uber.m3.tally.Scope;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;

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
