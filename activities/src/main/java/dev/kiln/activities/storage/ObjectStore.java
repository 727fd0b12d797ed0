package dev.kiln.activities.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Kiln's one bucket on any S3-compatible store (AWS, MinIO, s3proxy). Keys: {@code raw/} (the seeded corpora),
 * {@code lists/} (the curation filters' word lists), {@code runs/<run>/...} (a run's spec record, curated shards and
 * report, checkpoints, loss log and model) and {@code hub/<model>/...} (hub cards and published models); the stages
 * that write them are in docs/architecture.md and docs/training.md.
 */
public final class ObjectStore implements AutoCloseable {
  private final S3Client s3;
  private final String bucket;
  private final StorageSettings settings;

  public ObjectStore(StorageSettings settings) {
    StorageSettings.Timeouts t = settings.timeouts();
    S3ClientBuilder builder =
        S3Client.builder()
            .region(Region.of(settings.region()))
            .httpClientBuilder(Apache5HttpClient.builder().connectionTimeout(t.connect()).socketTimeout(t.socket()))
            .overrideConfiguration(c -> {
              if (t.call() != null) {
                c.apiCallTimeout(t.call());
              }
              if (t.attempt() != null) {
                c.apiCallAttemptTimeout(t.attempt());
              }
              if (t.maxAttempts() > 0) {
                c.retryStrategy(r -> r.maxAttempts(t.maxAttempts()));
              }
            });
    if (settings.endpoint() != null) {
      builder.endpointOverride(settings.endpoint()).forcePathStyle(true);
    }
    builder.credentialsProvider(
        settings.accessKey() != null
            ? StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKey(), settings.secretKey()))
            : DefaultCredentialsProvider.builder().build());
    this.s3 = builder.build();
    this.bucket = settings.bucket();
    this.settings = settings;
  }

  /** Where this store is, for messages. */
  public StorageSettings settings() {
    return settings;
  }

  public String bucket() {
    return bucket;
  }

  /** Creates the bucket if it is not there yet. */
  public void ensureBucket() {
    try {
      s3.headBucket(b -> b.bucket(bucket));
    } catch (S3Exception e) {
      if (e.statusCode() != 404) {
        throw e;
      }
      try {
        s3.createBucket(b -> b.bucket(bucket));
      } catch (BucketAlreadyOwnedByYouException raced) {
        // another process created it between our check and our create: fine
      }
    }
  }

  public void put(String key, byte[] bytes) {
    s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bytes));
  }

  public void put(String key, Path file) {
    s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(file));
  }

  /**
   * Writes only if nothing is at {@code key} (S3 conditional write, If-None-Match: *).
   *
   * @return false if an object was already there (it is left untouched)
   */
  public boolean putIfAbsent(String key, byte[] bytes) {
    try {
      s3.putObject(b -> b.bucket(bucket).key(key).ifNoneMatch("*"), RequestBody.fromBytes(bytes));
      return true;
    } catch (S3Exception e) {
      if (e.statusCode() == 412 || e.statusCode() == 409) {
        return false;
      }
      throw e;
    }
  }

  public byte[] get(String key) {
    return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
  }

  public InputStream open(String key) {
    ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key));
    return in;
  }

  /**
   * Streams the bytes of {@code key} from {@code start} (inclusive) to {@code end} (exclusive; -1: to the object's
   * end) with one ranged GET, so a reader of a large object holds a buffer, never the object.
   */
  public InputStream open(String key, long start, long end) {
    if (start == 0 && end < 0) {
      return open(key);
    }
    if (end >= 0 && end <= start) {
      return InputStream.nullInputStream();
    }
    String range = "bytes=" + start + "-" + (end < 0 ? "" : String.valueOf(end - 1));
    return s3.getObject(b -> b.bucket(bucket).key(key).range(range));
  }

  /** The size in bytes of the object at {@code key}. */
  public long size(String key) {
    return s3.headObject(b -> b.bucket(bucket).key(key)).contentLength();
  }

  public boolean exists(String key) {
    try {
      s3.headObject(b -> b.bucket(bucket).key(key));
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  public void delete(String key) {
    s3.deleteObject(b -> b.bucket(bucket).key(key));
  }

  /** Every object under {@code prefix}, in key order. */
  public List<StoredObject> list(String prefix) {
    List<StoredObject> out = new ArrayList<>();
    ListObjectsV2Request request = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).build();
    for (S3Object o : s3.listObjectsV2Paginator(request).contents()) {
      out.add(new StoredObject(o.key(), o.size(), o.eTag()));
    }
    return out;
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  public static String sha256(InputStream in) {
    try (in) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  @Override
  public void close() {
    s3.close();
  }

  /** An object as listed: its key, size and ETag (the store's content hash; a rewritten object gets a new one). */
  public record StoredObject(String key, long size, String etag) {}
}
