package dev.kiln.bench.training;

import ai.djl.Device;
import dev.kiln.activities.training.PretrainingObjective;
import dev.kiln.activities.training.Trainer;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Training throughput and memory of the reference shape on this machine. It takes minutes; run its main
 * method with the kiln-bench module's classpath (docs/benchmarks.md) and
 * {@code -Dai.djl.offline=true -Dai.djl.default_engine=PyTorch}. Arguments: the objective ({@code clm},
 * {@code mlm} or {@code span-corruption}; default clm) and the dropout rate (default 0, nanoGPT's
 * pretraining default: on CPU, dropout masks cost ~40% of a step). Tokens/s counts the context windows
 * read from the stream, the same for every objective (the encoder-decoder runs two stacks over them).
 */
public final class ThroughputBenchmark {

  private static final int TOKENIZER_VOCAB = 4096;
  private static final int CONTEXT = 128;
  private static final int BATCH = 16;
  private static final int WARMUP_STEPS = 10;
  private static final int TIMED_STEPS = 50;
  private static final int MEMORY_STEPS = 200;

  public static void main(String[] args) throws IOException {
    Objective objective = Objective.of(args.length > 0 ? args[0] : "clm");
    double dropout = args.length > 1 ? Double.parseDouble(args[1]) : 0.0;
    ModelShape shape = new ModelShape(objective.modelVocabSize(TOKENIZER_VOCAB, CONTEXT), CONTEXT, 128, 4, 4);
    TrainingConfig config = new TrainingConfig(
        shape, objective, BATCH, 1000, 6e-4, 6e-5, 100, 0.1, 1.0, dropout, 1L, 100, "cpu", "bench", null);
    int[] stream = new SplittableRandom(1).ints(1_000_000, 2, TOKENIZER_VOCAB).toArray();
    PretrainingObjective batcher = PretrainingObjective.of(objective, stream, shape, BATCH, config.seed());
    try (Trainer trainer = new Trainer(shape, config, Device.cpu())) {
      trainer.initialise();
      System.out.printf("%s: parameters %d, dropout %.2f, RSS at start %d MB%n",
          objective.id(), trainer.parameterCount(), dropout, residentMegabytes());
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
