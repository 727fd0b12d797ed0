package dev.kiln.activities.storage;

import java.net.URI;
import java.time.Duration;

/**
 * Where Kiln's bucket is. {@code endpoint} null means AWS itself; {@code accessKey} null means the AWS default
 * credentials chain (environment, profile, instance role). {@code timeouts} bound each call to the store: the
 * command line's calls fail fast naming the endpoint ({@link Timeouts#COMMAND_LINE}); workers keep the patient
 * client ({@link Timeouts#WORKER}) and wait out outages around it (StorageOutage).
 */
public record StorageSettings(URI endpoint, String bucket, String region, String accessKey, String secretKey,
    Timeouts timeouts) {

  /**
   * How long one call may take: to connect, between two bytes of an answer (socket), per attempt and in all
   * (null: no bound), and how many attempts it gets.
   */
  public record Timeouts(Duration connect, Duration socket, Duration attempt, Duration call, int maxAttempts) {
    /**
     * Workers and training: a call may take minutes (a checkpoint upload) and the SDK retries as it always did;
     * outages are waited out above it (StorageOutage), so nothing here gives up early.
     */
    public static final Timeouts WORKER = new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(30), null,
        Duration.ofMinutes(5), 0); // the SDK's own connection and socket timeouts, its default retries
    /**
     * The command line (start, preflight): a silent or unreachable endpoint fails within about 15 s; one retry.
     */
    public static final Timeouts COMMAND_LINE = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(6), null,
        Duration.ofSeconds(15), 2);
    /**
     * The command line's uploads (kiln seed): bounded like {@link #COMMAND_LINE} while the endpoint is silent
     * (connection and socket timeouts), but a file may take up to 5 minutes while its bytes flow.
     */
    public static final Timeouts COMMAND_LINE_UPLOADS = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(6), null,
        Duration.ofMinutes(5), 2);

    /** @return the longest a call can wait on a silent endpoint, for messages */
    public Duration bound() {
      return call != null ? call : attempt != null ? attempt : socket;
    }
  }

  public StorageSettings {
    if (bucket == null || bucket.length() < 3) {
      throw new IllegalArgumentException("bucket name '" + bucket + "' is too short: S3 needs at least 3 characters");
    }
    region = region == null ? "us-east-1" : region;
    timeouts = timeouts == null ? Timeouts.WORKER : timeouts;
  }

  public StorageSettings(URI endpoint, String bucket, String region, String accessKey, String secretKey) {
    this(endpoint, bucket, region, accessKey, secretKey, Timeouts.WORKER);
  }

  /** Reads KILN_S3_ENDPOINT, KILN_BUCKET (default "kiln") and AWS_REGION; credentials from the default chain. */
  public static StorageSettings fromEnvironment() {
    String endpoint = System.getenv("KILN_S3_ENDPOINT");
    String bucket = System.getenv().getOrDefault("KILN_BUCKET", "kiln");
    return new StorageSettings(
        endpoint == null || endpoint.isBlank() ? null : URI.create(endpoint), bucket, System.getenv("AWS_REGION"), null, null);
  }

  public StorageSettings withEndpoint(URI newEndpoint) {
    return new StorageSettings(newEndpoint, bucket, region, accessKey, secretKey, timeouts);
  }

  public StorageSettings withTimeouts(Timeouts newTimeouts) {
    return new StorageSettings(endpoint, bucket, region, accessKey, secretKey, newTimeouts);
  }

  /** The endpoint as people read it: its URL, or AWS S3 in the region. */
  public String endpointName() {
    return endpoint != null ? endpoint.toString() : "AWS S3 (" + region + ")";
  }
}
