package dev.kiln.worker.cli;

import dev.kiln.activities.storage.StorageSettings;
import dev.kiln.worker.ConnectionSettings;
import dev.kiln.worker.TemporalConnection;
import java.nio.file.Path;
import java.net.URI;
import picocli.CommandLine.Option;

/** Where the Temporal frontend and the S3 bucket are, for the commands that talk to a running stack. */
public final class Endpoints {
  @Option(names = "--address", description = "Temporal frontend host:port (default: $TEMPORAL_ADDRESS, else 127.0.0.1:7233)")
  String address;

  @Option(names = "--namespace", description = "Temporal namespace (default: $TEMPORAL_NAMESPACE, else default)")
  String namespace;

  @Option(names = "--tls", description = "TLS to the frontend, verified with the system trust store (default: $TEMPORAL_TLS)")
  Boolean tls;

  @Option(names = "--tls-cert", description = "client certificate (PEM) for mutual TLS (default: $TEMPORAL_TLS_CERT)")
  Path tlsCert;

  @Option(names = "--tls-key", description = "client key (PKCS#8 PEM) for mutual TLS (default: $TEMPORAL_TLS_KEY)")
  Path tlsKey;

  @Option(names = "--api-key", description = "API key, e.g. for Temporal Cloud; implies TLS (default: $TEMPORAL_API_KEY)")
  String apiKey;

  @Option(names = "--s3-endpoint", description = "S3 endpoint URL (default: $KILN_S3_ENDPOINT, else AWS); credentials from the AWS default chain")
  String s3Endpoint;

  @Option(names = "--bucket", description = "bucket (default: $KILN_BUCKET, else kiln)")
  String bucket;

  ConnectionSettings connection() {
    return ConnectionSettings.resolve(System.getenv(), address, namespace, tls, tlsCert, tlsKey, apiKey);
  }

  TemporalConnection connect() {
    return TemporalConnection.connect(connection(), null);
  }

  TemporalConnection connect(com.uber.m3.tally.Scope metricsScope) {
    return TemporalConnection.connect(connection(), metricsScope);
  }

  StorageSettings storage() {
    StorageSettings fromEnv = StorageSettings.fromEnvironment();
    StorageSettings settings = bucket == null ? fromEnv : new StorageSettings(fromEnv.endpoint(), bucket, fromEnv.region(), null, null);
    return s3Endpoint == null ? settings : settings.withEndpoint(URI.create(s3Endpoint));
  }
}
