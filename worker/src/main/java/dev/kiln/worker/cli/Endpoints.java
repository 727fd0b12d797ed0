package dev.kiln.worker.cli;

import dev.kiln.activities.storage.StorageSettings;
import dev.kiln.worker.TemporalConnection;
import java.net.URI;
import picocli.CommandLine.Option;

/** Where the Temporal frontend and the S3 bucket are, for the commands that talk to a running stack. */
public final class Endpoints {
  @Option(names = "--address", description = "Temporal frontend host:port (default: $TEMPORAL_ADDRESS, else 127.0.0.1:7233)")
  String address;

  @Option(names = "--namespace", description = "Temporal namespace (default: $TEMPORAL_NAMESPACE, else default)")
  String namespace;

  @Option(names = "--s3-endpoint", description = "S3 endpoint URL (default: $KILN_S3_ENDPOINT, else AWS); credentials from the AWS default chain")
  String s3Endpoint;

  @Option(names = "--bucket", description = "bucket (default: $KILN_BUCKET, else kiln)")
  String bucket;

  TemporalConnection connect() {
    return TemporalConnection.connect(address, namespace);
  }

  TemporalConnection connect(com.uber.m3.tally.Scope metricsScope) {
    return TemporalConnection.connect(address, namespace, metricsScope);
  }

  StorageSettings storage() {
    StorageSettings fromEnv = StorageSettings.fromEnvironment();
    StorageSettings settings = bucket == null ? fromEnv : new StorageSettings(fromEnv.endpoint(), bucket, fromEnv.region(), null, null);
    return s3Endpoint == null ? settings : settings.withEndpoint(URI.create(s3Endpoint));
  }
}
