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

  private final AutoCloseable temporal;
  private final String temporalAddress;
  private final TemporalDevServer devServer;
  private final LocalS3 s3;
  private final Path storageDir;

  private EmbeddedStack(AutoCloseable temporal, String temporalAddress, TemporalDevServer devServer, LocalS3 s3, Path storageDir) {
    this.temporal = temporal;
    this.temporalAddress = temporalAddress;
    this.devServer = devServer;
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
    try {
      Path root = storageDir.toAbsolutePath(); // s3proxy's multipart completion 404s on a relative root
      Files.createDirectories(root);
      InJvmTemporal temporal = InJvmTemporal.start(temporalPort == 0 ? freePort() : temporalPort);
      try {
        LocalS3 s3 = LocalS3.start(root, s3Port == 0 ? freePort() : s3Port);
        return new EmbeddedStack(temporal, temporal.address(), null, s3, root);
      } catch (Exception e) {
        temporal.close();
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the embedded stack: " + e.getMessage(), e);
    }
  }

  /**
   * The stack of a Kiln home: Temporal of the given kind (the dev server keeps its database in
   * {@code <home>/temporal/}) and s3proxy over {@code <home>/s3}. Ports 0 pick free ones (the dev server reuses
   * last time's if free, so Web UI links stay valid).
   */
  public static EmbeddedStack start(Path home, Temporal kind, int temporalPort, int uiPort, int s3Port, PrintStream progress) {
    Path root = home.toAbsolutePath().resolve("s3");
    AutoCloseable temporal = null;
    try {
      Files.createDirectories(root);
      String address;
      TemporalDevServer devServer = null;
      if (kind == Temporal.DEV_SERVER) {
        devServer = TemporalDevServer.start(home.toAbsolutePath().resolve("temporal"), temporalPort, uiPort, progress);
        temporal = devServer;
        address = devServer.address();
      } else {
        InJvmTemporal inJvm = InJvmTemporal.start(temporalPort == 0 ? freePort() : temporalPort);
        temporal = inJvm;
        address = inJvm.address();
      }
      LocalS3 s3 = LocalS3.start(root, s3Port == 0 ? freePort() : s3Port);
      return new EmbeddedStack(temporal, address, devServer, s3, root);
    } catch (RuntimeException e) {
      closeQuietly(temporal);
      throw e;
    } catch (Exception e) {
      closeQuietly(temporal);
      if (e instanceof java.net.BindException || e.getCause() instanceof java.net.BindException) {
        throw new IllegalArgumentException("port " + s3Port + " (S3) is already in use. Fix: stop what holds it, or pass another --s3-port", e);
      }
      throw new IllegalStateException("cannot start the local stack in " + home + ": " + e.getMessage(), e);
    }
  }

  public String temporalAddress() {
    return temporalAddress;
  }

  /** The dev server's Web UI, when Temporal is the dev server. */
  public Optional<TemporalDevServer> devServer() {
    return Optional.ofNullable(devServer);
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
  static final class InJvmTemporal implements AutoCloseable {
    private final TestServicesStarter services;
    private final Server server;
    private final int port;

    private InJvmTemporal(TestServicesStarter services, Server server, int port) {
      this.services = services;
      this.server = server;
      this.port = port;
    }

    static InJvmTemporal start(int port) throws IOException {
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

    String address() {
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
