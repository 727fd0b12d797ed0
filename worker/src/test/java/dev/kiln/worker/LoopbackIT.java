package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.worker.embedded.EmbeddedStack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every server Kiln starts binds 127.0.0.1 unless told otherwise: {@code kiln dev} (Temporal frontend and Web UI of
 * the dev server, its internal services, s3proxy) and {@code kiln worker --metrics-port}. {@code kiln run}'s sockets
 * are checked by DurableRunIT while it trains.
 */
class LoopbackIT {
  @TempDir Path dir;
  private final Path logs = Path.of("target", "it-logs").toAbsolutePath();

  @Test
  void devAndWorkerListenOnLoopbackOnly() throws Exception {
    Path data = SmallData.create(dir.resolve("data"));
    int temporal = EmbeddedStack.freePort();
    int ui = EmbeddedStack.freePort();
    int s3 = EmbeddedStack.freePort();
    try (KilnProcess dev = KilnProcess.start(logs, "loopback-dev", "dev", "--home", dir.resolve("home").toString(),
        "--data-dir", data.toString(), "--hub", dir.resolve("no-hub").toString(),
        "--temporal-port", Integer.toString(temporal), "--ui-port", Integer.toString(ui), "--s3-port", Integer.toString(s3))) {
      dev.awaitLog("READY", Duration.ofMinutes(5)); // on a loaded machine the dev server can take minutes to start
      List<ListeningSockets.Socket> sockets = ListeningSockets.of(dev.handle());
      Set<Integer> ports = sockets.stream().map(ListeningSockets.Socket::port).collect(Collectors.toSet());
      assertTrue(ports.containsAll(Set.of(temporal, ui, s3)), "frontend, Web UI and S3 found among " + sockets);
      assertTrue(sockets.stream().allMatch(ListeningSockets.Socket::loopback), "kiln dev listens on loopback only: " + sockets);
      System.out.println("kiln dev listens on " + sockets);

      try (KilnProcess worker = KilnProcess.worker("127.0.0.1:" + temporal, "http://127.0.0.1:" + s3, "kiln", logs, "loopback-worker",
          List.of("--queues", "cpu", "--metrics-port", "0"))) {
        worker.awaitLog("metrics on http://", Duration.ofMinutes(2));
        List<ListeningSockets.Socket> workerSockets = ListeningSockets.of(worker.handle());
        assertTrue(!workerSockets.isEmpty(), "the metrics endpoint listens");
        assertTrue(workerSockets.stream().allMatch(ListeningSockets.Socket::loopback),
            "kiln worker --metrics-port listens on loopback only: " + workerSockets);
        System.out.println("kiln worker --metrics-port 0 listens on " + workerSockets);
      }
    }
  }
}
