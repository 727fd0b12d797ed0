package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The real Temporal Web UI, seen through headless Chromium (Debian's package, installed by
 * infra/install-chromium.sh): the workflow list filtered by a visibility query, as a person would open it.
 */
final class WebUi {
  static final String UI = "http://127.0.0.1:" + Optional.ofNullable(System.getenv("TEMPORAL_UI_PORT")).orElse("8233");

  private WebUi() {}

  /** Opens the filtered workflow list, asserts {@code runId} is in it, and saves a screenshot. */
  static void assertListShows(String query, String runId, Path screenshot) throws Exception {
    String url = UI + "/namespaces/default/workflows?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8).replace("+", "%20");
    String dom = chromium(url, "--dump-dom");
    assertTrue(dom.contains(runId), "the Web UI's list for " + query + " shows " + runId);
    Files.createDirectories(screenshot.toAbsolutePath().getParent());
    chromium(url, "--window-size=1400,800", "--screenshot=" + screenshot.toAbsolutePath());
    assertTrue(Files.size(screenshot) > 10_000, "screenshot written: " + screenshot.toAbsolutePath());
    System.out.println("Web UI screenshot: " + screenshot.toAbsolutePath());
  }

  private static String chromium(String url, String... args) throws Exception {
    Path profile = Files.createTempDirectory("kiln-chromium");
    List<String> command = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + profile, "--virtual-time-budget=15000"));
    command.addAll(List.of(args));
    command.add(url);
    Process p;
    try {
      p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("chromium is not installed: run infra/install-chromium.sh", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(90, TimeUnit.SECONDS), "chromium finished");
    assertEquals(0, p.exitValue(), "chromium exit code");
    return out;
  }
}
