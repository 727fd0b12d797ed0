package dev.kiln.activities.storage;

import java.net.URI;
import java.nio.file.Path;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

/**
 * A real S3 endpoint for the storage tests (conditional writes included): s3proxy on a loopback port of its choosing,
 * over a directory that holds each bucket as a folder ({@code directory/<bucket>/<key>}), and an {@link ObjectStore}
 * on one bucket of it.
 */
public final class LocalBucket implements AutoCloseable {
  private static final String ACCESS_KEY = "kiln-test";
  private static final String SECRET_KEY = "kiln-test-secret";

  private final S3Proxy proxy;
  private final ObjectStore store;

  private LocalBucket(S3Proxy proxy, ObjectStore store) {
    this.proxy = proxy;
    this.store = store;
  }

  public static LocalBucket start(Path directory, String bucket) throws Exception {
    S3Proxy proxy = S3Proxy.builder()
        .blobStore(new FilesystemNio2BlobStore(directory.toAbsolutePath().toString()))
        .endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
        .ignoreUnknownHeaders(true) // the AWS SDK's checksum headers
        .build();
    proxy.start();
    while (!"STARTED".equals(proxy.getState())) {
      Thread.sleep(20);
    }
    ObjectStore store = new ObjectStore(new StorageSettings(
        URI.create("http://127.0.0.1:" + proxy.getPort()), bucket, "us-east-1", ACCESS_KEY, SECRET_KEY));
    store.ensureBucket();
    return new LocalBucket(proxy, store);
  }

  public ObjectStore store() {
    return store;
  }

  @Override
  public void close() throws Exception {
    store.close();
    proxy.stop();
  }
}
