package dev.kiln.worker.embedded;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

/** s3proxy over a directory on loopback, with the embedded stack's local-only credentials. */
public final class LocalS3 implements AutoCloseable {
  private final S3Proxy proxy;

  private LocalS3(S3Proxy proxy) {
    this.proxy = proxy;
  }

  /** Starts it and waits until it serves; {@code port} must be free. */
  public static LocalS3 start(Path directory, int port) throws Exception {
    Path root = directory.toAbsolutePath(); // s3proxy's multipart completion 404s on a relative root
    Files.createDirectories(root);
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(new FilesystemNio2BlobStore(root.toString()))
            .endpoint(URI.create("http://127.0.0.1:" + port))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY)
            .ignoreUnknownHeaders(true)
            .build();
    proxy.start();
    while (!"STARTED".equals(proxy.getState())) {
      Thread.sleep(20);
    }
    return new LocalS3(proxy);
  }

  public int port() {
    return proxy.getPort();
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port());
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      // shutting down anyway
    }
  }
}
