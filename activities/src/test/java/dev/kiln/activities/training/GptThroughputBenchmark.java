package dev.kiln.activities.training;

import ai.djl.Device;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Training throughput and memory of the reference shape on this machine. Not a JUnit test (it takes
 * minutes); run its main method with the test classpath and
 * {@code -Dai.djl.offline=true -Dai.djl.default_engine=PyTorch}. The optional argument is the dropout
 * rate (default 0, nanoGPT's pretraining default): on CPU, dropout masks cost ~40% of a step.
 */
public final class GptThroughputBenchmark {

  private static final ModelShape SHAPE = new ModelShape(4096, 128, 128, 4, 4);
  private static final int BATCH = 16;
  private static final int WARMUP_STEPS = 10;
  private static final int TIMED_STEPS = 50;
  private static final int MEMORY_STEPS = 200;

  public static void main(String[] args) throws IOException {
    double dropout = args.length > 0 ? Double.parseDouble(args[0]) : 0.0;
    TrainingConfig config =
        new TrainingConfig(SHAPE, "clm", BATCH, 1000, 6e-4, 6e-5, 100, 0.1, 1.0, dropout, 1L, 100, "cpu", "bench", null);
    int[] stream = new SplittableRandom(1).ints(1_000_000, 0, SHAPE.vocabSize()).toArray();
    CausalLanguageModeling batcher = new CausalLanguageModeling(new TokenWindows(stream, BATCH, config.seed()), SHAPE.contextLength());
    try (Trainer trainer = new Trainer(SHAPE, config, Device.cpu())) {
      trainer.initialise();
      System.out.printf(
          "parameters %d, dropout %.2f, RSS at start %d MB%n", trainer.parameterCount(), dropout, residentMegabytes());
      int step = 0;
      for (; step < WARMUP_STEPS; step++) {
        trainer.trainStep(step, batcher.batch(step));
      }
      long start = System.nanoTime();
      for (; step < WARMUP_STEPS + TIMED_STEPS; step++) {
        trainer.trainStep(step, batcher.batch(step));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          "%d steps in %.1f s: %.0f tokens/s%n", TIMED_STEPS, seconds, TIMED_STEPS * config.tokensPerStep() / seconds);
      for (; step < WARMUP_STEPS + TIMED_STEPS + MEMORY_STEPS; step++) {
        double loss = trainer.trainStep(step, batcher.batch(step));
        if (step % 25 == 0) {
          System.out.printf(
              "step %d loss %.4f RSS %d MB (Java heap committed %d MB)%n",
              step, loss, residentMegabytes(), Runtime.getRuntime().totalMemory() >> 20);
        }
      }
      System.out.printf("RSS after %d steps %d MB%n", step, residentMegabytes());
    }
  }

  private static long residentMegabytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
      }
    }
    throw new IllegalStateException("No VmRSS in /proc/self/status");
  }
}
