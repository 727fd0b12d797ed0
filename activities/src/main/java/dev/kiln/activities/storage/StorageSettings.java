package dev.kiln.activities.storage;

import java.net.URI;

/**
 * Where Kiln's bucket is. {@code endpoint} null means AWS itself; {@code accessKey} null means the AWS default
 * credentials chain (environment, profile, instance role).
 */
public record StorageSettings(URI endpoint, String bucket, String region, String accessKey, String secretKey) {

  public StorageSettings {
    if (bucket == null || bucket.length() < 3) {
      throw new IllegalArgumentException("bucket name '" + bucket + "' is too short: S3 needs at least 3 characters");
    }
    region = region == null ? "us-east-1" : region;
  }

  /** Reads KILN_S3_ENDPOINT, KILN_BUCKET (default "kiln") and AWS_REGION; credentials from the default chain. */
  public static StorageSettings fromEnvironment() {
    String endpoint = System.getenv("KILN_S3_ENDPOINT");
    String bucket = System.getenv().getOrDefault("KILN_BUCKET", "kiln");
    return new StorageSettings(
        endpoint == null || endpoint.isBlank() ? null : URI.create(endpoint), bucket, System.getenv("AWS_REGION"), null, null);
  }

  public StorageSettings withEndpoint(URI newEndpoint) {
    return new StorageSettings(newEndpoint, bucket, region, accessKey, secretKey);
  }
}
