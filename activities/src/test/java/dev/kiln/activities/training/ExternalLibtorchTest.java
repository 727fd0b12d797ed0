package dev.kiln.activities.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The mechanism a GPU worker uses, proven on the CPU: DJL loads PyTorch's own libtorch from PyPI's torch wheel
 * ({@code infra/install-pytorch-wheel.sh}, the CUDA build) instead of its bundled CPU build, and Kiln trains on it
 * as on the bundled one. The test command installs the wheel and names its environment file in {@code KILN_TORCH_ENV}.
 */
class ExternalLibtorchTest {

  @Test
  void aTrainingOnTheWheelsLibtorchLearnsAsOnTheBundledOne() throws Exception {
    String envFile = System.getenv("KILN_TORCH_ENV");
    Assumptions.assumeTrue(envFile != null,
        "KILN_TORCH_ENV is not set: run infra/install-pytorch-wheel.sh and set it to the env file it writes"
            + " (infra/test.sh does both)");
    Map<String, String> env = exports(Path.of(envFile));
    String libraryPath = env.get("PYTORCH_LIBRARY_PATH");
    assertTrue(libraryPath != null && Files.isRegularFile(Path.of(libraryPath, "libtorch.so")),
        envFile + " names no libtorch.so: " + env);

    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), ExternalLibtorchProbe.class.getName())
        .redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(5, TimeUnit.MINUTES), "the probe did not finish");
    assertEquals(0, process.exitValue(), output);

    List<Double> external = new ArrayList<>();
    String loadedFrom = null;
    String version = null;
    for (String line : output.split("\n")) {
      if (line.startsWith("loss ")) {
        external.add(Double.parseDouble(line.substring(5)));
      } else if (line.startsWith("libtorch ")) {
        loadedFrom = line.substring(9);
      } else if (line.startsWith("version ")) {
        version = line.substring(8);
      }
    }
    assertEquals(Path.of(libraryPath).toRealPath(), Path.of(loadedFrom).toRealPath(), "DJL loaded another libtorch");
    assertEquals(env.get("PYTORCH_VERSION"), version);

    double[] bundled = ExternalLibtorchProbe.losses();
    assertEquals(bundled.length, external.size(), output);
    double maxDifference = 0;
    for (int step = 0; step < bundled.length; step++) {
      maxDifference = Math.max(maxDifference, Math.abs(bundled[step] - external.get(step)));
    }
    System.out.printf("external libtorch %s: loss %.4f -> %.4f over %d steps; bundled %.4f -> %.4f;"
            + " max |difference| %.2e%n", loadedFrom, external.get(0), external.get(external.size() - 1),
        bundled.length, bundled[0], bundled[bundled.length - 1], maxDifference);
    assertTrue(external.get(external.size() - 1) < external.get(0) / 2, "did not learn: " + external);
    // two builds of the same libtorch version: the same maths, up to the kernels' float rounding
    assertEquals(bundled[0], external.get(0), 1e-4, "the first step's loss (the same initial weights)");
    assertTrue(maxDifference < 1e-2, "the losses part: " + maxDifference);
  }

  /** The {@code export NAME="value"} lines of a shell file. */
  private static Map<String, String> exports(Path file) throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      if (line.startsWith("export ") && line.contains("=")) {
        String name = line.substring(7, line.indexOf('='));
        String value = line.substring(line.indexOf('=') + 1).replaceAll("^\"|\"$", "");
        env.put(name, value);
      }
    }
    return env;
  }
}
