package dev.kiln.worker.embedded;

import dev.kiln.activities.storage.StorageSettings;
import dev.kiln.worker.SearchAttributeRegistration;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The default stack, inside one JVM: Temporal's in-JVM server on a loopback port (real gRPC frontend, real
 * time, no persistence, no Schedules, no visibility queries) and s3proxy over a directory.
 */
public final class EmbeddedStack implements AutoCloseable {
  /** Local-only credentials of the embedded S3 endpoint (it listens on loopback). */
  public static final String ACCESS_KEY = "kiln";
  public static final String SECRET_KEY = "kiln-embedded-secret";

  private final TestServer.PortBoundTestServer temporal;
  private final LocalS3 s3;
  private final int temporalPort;
  private final Path storageDir;

  private EmbeddedStack(TestServer.PortBoundTestServer temporal, int temporalPort, LocalS3 s3, Path storageDir) {
    this.temporal = temporal;
    this.temporalPort = temporalPort;
    this.s3 = s3;
    this.storageDir = storageDir;
  }

  /**
   * @param temporalPort 0 picks a free port
   * @param s3Port 0 picks a free port
   */
  public static EmbeddedStack start(Path storageDir, int temporalPort, int s3Port) {
    try {
      Path root = storageDir.toAbsolutePath(); // s3proxy's multipart completion 404s on a relative root
      Files.createDirectories(root);
      int tPort = temporalPort == 0 ? freePort() : temporalPort;
      TestServer.PortBoundTestServer temporal = TestServer.createPortBoundServer(tPort, true);
      WorkflowServiceStubs service =
          WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + tPort).build());
      try {
        SearchAttributeRegistration.register(service, "default");
      } finally {
        service.shutdown();
      }
      LocalS3 s3 = LocalS3.start(root, s3Port == 0 ? freePort() : s3Port);
      return new EmbeddedStack(temporal, tPort, s3, root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the embedded stack: " + e.getMessage(), e);
    }
  }

  public String temporalAddress() {
    return "127.0.0.1:" + temporalPort;
  }

  public URI s3Endpoint() {
    return s3.endpoint();
  }

  public StorageSettings storage(String bucket) {
    return new StorageSettings(s3Endpoint(), bucket, "us-east-1", ACCESS_KEY, SECRET_KEY);
  }

  public Path storageDir() {
    return storageDir;
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    s3.close();
    temporal.close();
  }
}
