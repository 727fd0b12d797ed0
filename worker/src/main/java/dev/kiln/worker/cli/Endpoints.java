package dev.kiln.worker.cli;

import dev.kiln.activities.storage.StorageSettings;
import dev.kiln.worker.ConnectionSettings;
import dev.kiln.worker.TemporalConnection;
import java.nio.file.Path;
import java.net.URI;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Where the Temporal frontend and the S3 bucket are, for the commands that talk to a running stack. */
public final class Endpoints {
  @Option(names = "--address", description = "Temporal frontend host:port (default: $TEMPORAL_ADDRESS, else 127.0.0.1:7233)")
  String address;

  @Option(names = "--namespace", description = "Temporal namespace (default: $TEMPORAL_NAMESPACE, else default)")
  String namespace;

  @Option(names = "--profile", description = "profile of the Temporal client config file (default: $TEMPORAL_PROFILE, else default)")
  String profile;

  @Option(names = "--config-file", description = "Temporal client config file, TOML as `temporal config` writes it "
      + "(default: $TEMPORAL_CONFIG_FILE, else ~/.config/temporalio/temporal.toml if present)")
  Path configFile;

  @Option(names = "--tls", arity = "0..1", description = "TLS to the frontend, verified with the system trust store unless --tls-ca-path (default: $TEMPORAL_TLS)")
  Boolean tls;

  @Option(names = {"--tls-cert-path", "--tls-cert"}, description = "client certificate (PEM) for mutual TLS (default: $TEMPORAL_TLS_CLIENT_CERT_PATH)")
  Path tlsCert;

  @Option(names = {"--tls-key-path", "--tls-key"}, description = "client key (PKCS#8 PEM) for mutual TLS (default: $TEMPORAL_TLS_CLIENT_KEY_PATH)")
  Path tlsKey;

  @Option(names = "--tls-ca-path", description = "CA certificate (PEM) that signed the server's (default: $TEMPORAL_TLS_SERVER_CA_CERT_PATH, else system trust store)")
  Path tlsCa;

  @Option(names = "--tls-server-name", description = "server name to verify the frontend's certificate against (default: $TEMPORAL_TLS_SERVER_NAME)")
  String tlsServerName;

  @Option(names = "--api-key", description = "API key, e.g. for Temporal Cloud; implies TLS (default: $TEMPORAL_API_KEY)")
  String apiKey;

  @Option(names = "--s3-endpoint", description = "S3 endpoint URL (default: $KILN_S3_ENDPOINT, else AWS); credentials from the AWS default chain")
  String s3Endpoint;

  @Option(names = "--bucket", description = "bucket (default: $KILN_BUCKET, else kiln)")
  String bucket;

  ConnectionSettings connection() {
    return ConnectionSettings.resolve(System.getenv(), new ConnectionSettings.Flags(
        profile, configFile, address, namespace, tls, tlsCert, tlsKey, tlsCa, tlsServerName, apiKey));
  }

  /** How long a command waits for the Temporal frontend to answer; a worker waits longer (it may start first). */
  static final Duration COMMAND_WAIT = Duration.ofSeconds(10);
  static final Duration WORKER_WAIT = Duration.ofSeconds(60);

  TemporalConnection connect() {
    return TemporalConnection.connectReachable(connection(), null, COMMAND_WAIT, System.err);
  }

  /** A worker's connection: its metrics scope, and a longer wait for the frontend. */
  TemporalConnection connectWorker(com.uber.m3.tally.Scope metricsScope) {
    return TemporalConnection.connectReachable(connection(), metricsScope, WORKER_WAIT, System.err);
  }

  /** The storage as the command line uses it: every call bounded (StorageSettings.Timeouts.COMMAND_LINE). */
  StorageSettings storage() {
    StorageSettings fromEnv = StorageSettings.fromEnvironment();
    StorageSettings settings = bucket == null ? fromEnv : new StorageSettings(fromEnv.endpoint(), bucket, fromEnv.region(), null, null);
    settings = s3Endpoint == null ? settings : settings.withEndpoint(s3Endpoint());
    return settings.withTimeouts(StorageSettings.Timeouts.COMMAND_LINE);
  }

  private URI s3Endpoint() {
    URI uri;
    try {
      uri = URI.create(s3Endpoint);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--s3-endpoint '" + s3Endpoint + "' is not a URL. Fix: give e.g. http://127.0.0.1:9000");
    }
    if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) || uri.getHost() == null) {
      throw new IllegalArgumentException("--s3-endpoint '" + s3Endpoint + "' is not an http(s) URL with a host. Fix: give e.g. http://127.0.0.1:9000");
    }
    return uri;
  }

  /** The Temporal address and namespace these options resolve to, for messages (never throws). */
  String temporalTarget() {
    try {
      ConnectionSettings c = connection();
      return c.address() + " namespace " + c.namespace();
    } catch (RuntimeException e) {
      return (address != null ? address : ConnectionSettings.DEFAULT_ADDRESS) + " namespace "
          + (namespace != null ? namespace : ConnectionSettings.DEFAULT_NAMESPACE);
    }
  }

  /** The S3 endpoint and bucket these options resolve to, for messages (never throws). */
  StorageSettings storageTarget() {
    try {
      return storage();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
