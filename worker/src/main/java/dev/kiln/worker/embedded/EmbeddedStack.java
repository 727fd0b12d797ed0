package dev.kiln.worker.embedded;

import dev.kiln.activities.storage.StorageSettings;
import dev.kiln.worker.SearchAttributeRegistration;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A local stack for one Kiln home: Temporal (the real dev server with SQLite by default, or Temporal's in-JVM test
 * server) and s3proxy over {@code <home>/s3}, every server on 127.0.0.1.
 */
public final class EmbeddedStack implements AutoCloseable {
  /** Local-only credentials of the embedded S3 endpoint (it listens on loopback). */
  public static final String ACCESS_KEY = "kiln";
  public static final String SECRET_KEY = "kiln-embedded-secret";

  /** Which Temporal serves the stack. */
  public enum Temporal {
    /** The Temporal CLI's dev server: SQLite under the home, the Web UI, Schedules, visibility queries. */
    DEV_SERVER,
    /** Temporal's in-JVM test server: no persistence, no Web UI, no Schedules, no visibility queries. */
    IN_JVM;

    /** What this kind lacks, said plainly where a user picks it. */
    public String limits() {
      return this == IN_JVM
          ? "Temporal's in-JVM test server: no persistence (a crash or Ctrl-C loses the run; running again starts over), "
              + "no Web UI, no Schedules, no visibility queries"
          : "the Temporal dev server (SQLite, Web UI)";
    }
  }

  private final LocalTemporal temporal;
  private final LocalS3 s3;
  private final Path storageDir;

  private EmbeddedStack(LocalTemporal temporal, LocalS3 s3, Path storageDir) {
    this.temporal = temporal;
    this.s3 = s3;
    this.storageDir = storageDir;
  }

  /**
   * The in-JVM stack the tests use: Temporal's test server and s3proxy over {@code storageDir}.
   *
   * @param temporalPort 0 picks a free port
   * @param s3Port 0 picks a free port
   */
  public static EmbeddedStack start(Path storageDir, int temporalPort, int s3Port) {
    return start(storageDir.toAbsolutePath(), () -> InJvmTemporal.start(temporalPort), s3Port, storageDir.toString());
  }

  /**
   * The stack of a Kiln home: Temporal of the given kind (the dev server keeps its database in
   * {@code <home>/temporal/}) and s3proxy over {@code <home>/s3}. Ports 0 pick free ones (the dev server reuses
   * last time's if free, so Web UI links stay valid).
   */
  public static EmbeddedStack start(Path home, Temporal kind, int temporalPort, int uiPort, int s3Port, PrintStream progress) {
    Path absolute = home.toAbsolutePath();
    return start(absolute.resolve("s3"), kind == Temporal.DEV_SERVER
        ? () -> TemporalDevServer.start(absolute.resolve("temporal"), temporalPort, uiPort, progress)
        : () -> InJvmTemporal.start(temporalPort), s3Port, home.toString());
  }

  /** A Temporal this stack serves: the dev server or the in-JVM one. */
  interface LocalTemporal extends AutoCloseable {
    String address();
  }

  /** Starts either Temporal on demand; it is closed again if s3proxy then cannot start. */
  private interface TemporalStarter {
    LocalTemporal start() throws Exception;
  }

  private static EmbeddedStack start(Path s3Root, TemporalStarter starter, int s3Port, String where) {
    LocalTemporal temporal = null;
    try {
      Files.createDirectories(s3Root); // absolute: s3proxy's multipart completion 404s on a relative root
      temporal = starter.start();
      return new EmbeddedStack(temporal, LocalS3.start(s3Root, s3Port == 0 ? freePort() : s3Port), s3Root);
    } catch (RuntimeException e) {
      closeQuietly(temporal);
      throw e;
    } catch (Exception e) {
      closeQuietly(temporal);
      if (e instanceof java.net.BindException || e.getCause() instanceof java.net.BindException) {
        throw new IllegalArgumentException("port " + s3Port + " (S3) is already in use. Fix: stop what holds it, or pass another --s3-port", e);
      }
      throw new IllegalStateException("cannot start the local stack in " + where + ": " + e.getMessage(), e);
    }
  }

  public String temporalAddress() {
    return temporal.address();
  }

  /** The dev server's Web UI, when Temporal is the dev server. */
  public Optional<TemporalDevServer> devServer() {
    return temporal instanceof TemporalDevServer dev ? Optional.of(dev) : Optional.empty();
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
    closeQuietly(temporal);
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception e) {
        // shutting down anyway
      }
    }
  }

  /**
   * Temporal's in-JVM test server on 127.0.0.1 only (real time). {@code TestServer.createPortBoundServer} binds every
   * interface, so the same services are served here from a gRPC server bound to the loopback address.
   */
  static final class InJvmTemporal implements LocalTemporal {
    private final TestServicesStarter services;
    private final Server server;
    private final int port;

    private InJvmTemporal(TestServicesStarter services, Server server, int port) {
      this.services = services;
      this.server = server;
      this.port = port;
    }

    /** @param port 0 picks a free one */
    static InJvmTemporal start(int requestedPort) throws IOException {
      int port = requestedPort == 0 ? freePort() : requestedPort;
      TestServicesStarter services = new TestServicesStarter(true, 0);
      NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
      Server server;
      try {
        server = builder.build().start();
      } catch (IOException e) {
        services.close();
        throw new IllegalArgumentException("port " + port + " (Temporal) is already in use. Fix: stop what holds it, or pass another --temporal-port", e);
      }
      InJvmTemporal temporal = new InJvmTemporal(services, server, port);
      WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
          WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.address()).build());
      try {
        SearchAttributeRegistration.register(stubs, "default");
      } finally {
        stubs.shutdown();
      }
      return temporal;
    }

    @Override
    public String address() {
      return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
      server.shutdown();
      try {
        server.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      services.close();
    }
  }
}
