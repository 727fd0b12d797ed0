package dev.kiln.worker;

import com.uber.m3.tally.Scope;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;

/**
 * A client connection to any Temporal frontend. Address and namespace come from flags, else from the
 * environment variables the Temporal SDKs and CLI share (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE), else the
 * local defaults.
 */
public final class TemporalConnection implements AutoCloseable {
  private final WorkflowServiceStubs service;
  private final WorkflowClient client;
  private final String address;
  private final String namespace;

  private TemporalConnection(String address, String namespace, Scope metricsScope) {
    this.address = address;
    this.namespace = namespace;
    WorkflowServiceStubsOptions.Builder options = WorkflowServiceStubsOptions.newBuilder().setTarget(address);
    if (metricsScope != null) {
      options.setMetricsScope(metricsScope);
    }
    this.service = WorkflowServiceStubs.newServiceStubs(options.build());
    this.client = WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
  }

  public static TemporalConnection connect(String addressFlag, String namespaceFlag) {
    return connect(addressFlag, namespaceFlag, null);
  }

  /** @param metricsScope where the SDK reports its metrics, or null */
  public static TemporalConnection connect(String addressFlag, String namespaceFlag, Scope metricsScope) {
    return new TemporalConnection(resolveAddress(addressFlag), resolveNamespace(namespaceFlag), metricsScope);
  }

  public static String resolveAddress(String flag) {
    return firstNonBlank(flag, System.getenv("TEMPORAL_ADDRESS"), "127.0.0.1:7233");
  }

  public static String resolveNamespace(String flag) {
    return firstNonBlank(flag, System.getenv("TEMPORAL_NAMESPACE"), "default");
  }

  private static String firstNonBlank(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    throw new IllegalArgumentException("no value");
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
