package dev.kiln.worker;

import com.uber.m3.tally.Scope;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * How to reach a Temporal frontend: address and namespace, TLS (server-verified, or mutual with a client
 * certificate) and an API key (Temporal Cloud). Flags win; otherwise the environment variables the Temporal CLI
 * also reads: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS, TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY,
 * TEMPORAL_API_KEY.
 */
public record ConnectionSettings(
    String address, String namespace, boolean tls, Path tlsCert, Path tlsKey, String apiKey) {

  public static final String DEFAULT_ADDRESS = "127.0.0.1:7233";

  public ConnectionSettings {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException(
          "mutual TLS needs both a client certificate and its key: give --tls-cert and --tls-key (or TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY)");
    }
  }

  public static ConnectionSettings local(String address) {
    return new ConnectionSettings(address, "default", false, null, null, null);
  }

  /** Resolves each setting from its flag (may be null), else the environment, else the local default. */
  public static ConnectionSettings resolve(
      Map<String, String> env, String address, String namespace, Boolean tls, Path tlsCert, Path tlsKey, String apiKey) {
    return new ConnectionSettings(
        first(address, env.get("TEMPORAL_ADDRESS"), DEFAULT_ADDRESS),
        first(namespace, env.get("TEMPORAL_NAMESPACE"), "default"),
        tls != null ? tls : Boolean.parseBoolean(env.getOrDefault("TEMPORAL_TLS", "false")),
        tlsCert != null ? tlsCert : pathOrNull(env.get("TEMPORAL_TLS_CERT")),
        tlsKey != null ? tlsKey : pathOrNull(env.get("TEMPORAL_TLS_KEY")),
        first(apiKey, env.get("TEMPORAL_API_KEY"), null));
  }

  /** TLS is on when asked for, or implied by a client certificate or an API key (Cloud needs both). */
  public boolean usesTls() {
    return tls || tlsCert != null || apiKey != null;
  }

  public WorkflowServiceStubsOptions stubsOptions(Scope metricsScope) {
    WorkflowServiceStubsOptions.Builder options = WorkflowServiceStubsOptions.newBuilder().setTarget(address);
    if (tlsCert != null) {
      try (InputStream cert = open(tlsCert, "--tls-cert"); InputStream key = open(tlsKey, "--tls-key")) {
        options.setSslContext(SimpleSslContextBuilder.forPKCS8(cert, key).build());
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot use client certificate " + tlsCert + " / key " + tlsKey + ": " + e.getMessage(), e);
      }
    } else if (usesTls()) {
      options.setEnableHttps(true);
    }
    if (apiKey != null) {
      options.addApiKey(() -> apiKey);
    }
    if (metricsScope != null) {
      options.setMetricsScope(metricsScope);
    }
    return options.build();
  }

  private static InputStream open(Path file, String flag) throws IOException {
    try {
      return Files.newInputStream(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(flag + " " + file + " does not exist");
    }
  }

  private static String first(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }

  private static Path pathOrNull(String value) {
    return value == null || value.isBlank() ? null : Path.of(value);
  }

  @Override
  public String toString() {
    return "ConnectionSettings[address=" + address + ", namespace=" + namespace + ", tls=" + usesTls()
        + ", clientCert=" + tlsCert + ", apiKey=" + (apiKey == null ? "none" : "***") + "]";
  }
}
