package dev.kiln.worker;

import com.uber.m3.tally.Scope;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.envconfig.ClientConfigProfile;
import io.temporal.envconfig.ClientConfigTLS;
import io.temporal.envconfig.LoadClientConfigProfileOptions;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * How to reach a Temporal frontend, resolved the way the Temporal CLI and SDKs resolve it (the SDK's environment
 * configuration), with Kiln's command-line flags on top:
 *
 * <ol>
 *   <li>a profile of a TOML config file: {@code --config-file}, else TEMPORAL_CONFIG_FILE, else
 *       ~/.config/temporalio/temporal.toml (absent is fine); the profile {@code --profile}, else TEMPORAL_PROFILE,
 *       else {@code default};
 *   <li>the environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS,
 *       TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH,
 *       TEMPORAL_TLS_SERVER_NAME, TEMPORAL_TLS_DISABLE_HOST_VERIFICATION, TEMPORAL_GRPC_META_*;
 *   <li>flags ({@link Flags}), which win.
 * </ol>
 *
 * An address and namespace nobody set default to 127.0.0.1:7233 and {@code default}. TLS is on when asked for or
 * implied by a client certificate or an API key (Temporal Cloud), and then verified against the system trust store
 * unless a server CA is given.
 */
public final class ConnectionSettings {
  public static final String DEFAULT_ADDRESS = "127.0.0.1:7233";
  public static final String DEFAULT_NAMESPACE = "default";

  /** What the command line says; any of it may be null (not given). */
  public record Flags(
      String profile, Path configFile, String address, String namespace, Boolean tls,
      Path tlsCert, Path tlsKey, Path tlsCa, String tlsServerName, String apiKey) {
    public static Flags none() {
      return new Flags(null, null, null, null, null, null, null, null, null, null);
    }
  }

  private final ClientConfigProfile profile;

  private ConnectionSettings(ClientConfigProfile profile) {
    this.profile = profile;
  }

  /** A plain connection to a local frontend (the embedded stack, tests): no file, no environment. */
  public static ConnectionSettings local(String address, String namespace) {
    return new ConnectionSettings(ClientConfigProfile.newBuilder().setAddress(address).setNamespace(namespace).build());
  }

  /** Resolves the settings from the config file and {@code env} (e.g. {@link System#getenv()}), then flags. */
  public static ConnectionSettings resolve(Map<String, String> env, Flags flags) {
    ClientConfigProfile loaded = load(env, flags);
    ClientConfigProfile.Builder merged = loaded.toBuilder();
    merged.setAddress(first(flags.address(), loaded.getAddress(), DEFAULT_ADDRESS));
    merged.setNamespace(first(flags.namespace(), loaded.getNamespace(), DEFAULT_NAMESPACE));
    if (flags.apiKey() != null) {
      merged.setApiKey(flags.apiKey());
    }
    ClientConfigTLS fileTls = loaded.getTls();
    boolean anyTlsFlag = flags.tls() != null || flags.tlsCert() != null || flags.tlsKey() != null
        || flags.tlsCa() != null || flags.tlsServerName() != null;
    if (anyTlsFlag) {
      ClientConfigTLS.Builder tls = fileTls == null ? ClientConfigTLS.newBuilder() : fileTls.toBuilder();
      if (flags.tls() != null) {
        tls.setDisabled(!flags.tls());
      }
      if (flags.tlsCert() != null) {
        tls.setClientCertPath(flags.tlsCert().toString()).setClientCertData(null);
      }
      if (flags.tlsKey() != null) {
        tls.setClientKeyPath(flags.tlsKey().toString()).setClientKeyData(null);
      }
      if (flags.tlsCa() != null) {
        tls.setServerCACertPath(flags.tlsCa().toString()).setServerCACertData(null);
      }
      if (flags.tlsServerName() != null) {
        tls.setServerName(flags.tlsServerName());
      }
      merged.setTls(tls.build());
    }
    ConnectionSettings settings = new ConnectionSettings(merged.build());
    settings.validate();
    return settings;
  }

  private static ClientConfigProfile load(Map<String, String> env, Flags flags) {
    LoadClientConfigProfileOptions.Builder options = LoadClientConfigProfileOptions.newBuilder().setEnvOverrides(env);
    if (flags.profile() != null) {
      options.setConfigFileProfile(flags.profile());
    }
    if (flags.configFile() != null) {
      if (!Files.isRegularFile(flags.configFile())) {
        throw new IllegalArgumentException("--config-file " + flags.configFile() + " does not exist: give the path of a "
            + "Temporal client config (TOML, as `temporal config set` writes), or leave the flag out");
      }
      options.setConfigFilePath(flags.configFile().toString());
    }
    try {
      return ClientConfigProfile.load(options.build());
    } catch (IOException | UncheckedIOException e) {
      throw new IllegalArgumentException("cannot read the Temporal client config file: " + e.getMessage()
          + " (fix the TOML, or point --config-file / TEMPORAL_CONFIG_FILE at another file)", e);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("invalid Temporal client configuration: " + e.getMessage()
          + " (check --profile / TEMPORAL_PROFILE names a profile of the config file, and the TEMPORAL_* variables)", e);
    }
  }

  private void validate() {
    ClientConfigTLS tls = profile.getTls();
    if (tls == null) {
      return;
    }
    boolean cert = tls.getClientCertPath() != null || tls.getClientCertData() != null;
    boolean key = tls.getClientKeyPath() != null || tls.getClientKeyData() != null;
    if (cert != key) {
      throw new IllegalArgumentException("mutual TLS needs both a client certificate and its key: give --tls-cert-path "
          + "and --tls-key-path (or TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH, or both in the "
          + "config profile)");
    }
    requireFile(tls.getClientCertPath(), "client certificate (--tls-cert-path, TEMPORAL_TLS_CLIENT_CERT_PATH)");
    requireFile(tls.getClientKeyPath(), "client key (--tls-key-path, TEMPORAL_TLS_CLIENT_KEY_PATH)");
    requireFile(tls.getServerCACertPath(), "server CA certificate (--tls-ca-path, TEMPORAL_TLS_SERVER_CA_CERT_PATH)");
  }

  private static void requireFile(String path, String what) {
    if (path != null && !Files.isRegularFile(Path.of(path))) {
      throw new IllegalArgumentException("the " + what + " " + path + " does not exist");
    }
  }

  public String address() {
    return profile.getAddress();
  }

  public String namespace() {
    return profile.getNamespace();
  }

  /** TLS is on when asked for, or implied by a client certificate or an API key, unless explicitly disabled. */
  public boolean usesTls() {
    ClientConfigTLS tls = profile.getTls();
    if (tls != null && tls.isDisabled() != null) {
      return !tls.isDisabled();
    }
    return tls != null || profile.getApiKey() != null;
  }

  public WorkflowServiceStubsOptions stubsOptions(Scope metricsScope) {
    WorkflowServiceStubsOptions fromProfile;
    try {
      fromProfile = profile.toWorkflowServiceStubsOptions();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("cannot set up the connection to " + address() + ": " + e.getMessage()
          + " (check the TLS certificate and key files: PEM, the key in PKCS#8)", e);
    }
    WorkflowServiceStubsOptions.Builder options = WorkflowServiceStubsOptions.newBuilder(fromProfile);
    if (metricsScope != null) {
      options.setMetricsScope(metricsScope);
    }
    return options.build();
  }

  public WorkflowClientOptions clientOptions() {
    return profile.toWorkflowClientOptions();
  }

  private static String first(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    ClientConfigTLS tls = profile.getTls();
    return "ConnectionSettings[address=" + address() + ", namespace=" + namespace() + ", tls=" + usesTls()
        + ", clientCert=" + (tls == null ? null : tls.getClientCertPath())
        + ", apiKey=" + (profile.getApiKey() == null ? "none" : "***") + "]";
  }
}
