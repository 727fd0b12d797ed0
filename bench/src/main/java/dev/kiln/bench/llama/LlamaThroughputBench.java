package dev.kiln.bench.llama;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import dev.kiln.activities.training.Trainer;
import dev.kiln.activities.training.TrainingBatch;
import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import java.util.SplittableRandom;

/**
 * Kiln's half of {@code bench/llama/run.sh}: training tokens/s of a small Llama on the CPU with Kiln's one trainer
 * (forward, backward, AdamW with clipping), for comparison with transformers' LlamaForCausalLM in PyTorch eager on
 * the same shape, batch and thread count ({@code bench/llama/bench.py}). Random tokens: this measures speed, not
 * learning. Prints one line, {@code kiln-llama tokens/s <n> ...}.
 *
 * <p>Arguments: {@code WARMUP STEPS}; the shape is {@link #SHAPE} and {@link #OPTIONS}, the batch {@link #BATCH}.
 */
public final class LlamaThroughputBench {

  /** vocab, context, hidden, layers, heads; kept in step with bench.py. */
  static final ModelShape SHAPE = new ModelShape(4096, 128, 128, 4, 4);
  /** 2 key-value heads (GQA), intermediate 344 (about 8/3 of hidden, as Llama), untied, transformers' defaults. */
  static final LlamaOptions OPTIONS = new LlamaOptions(2, 344, 10000.0, 1e-6, false, 0);
  static final int BATCH = 8;

  private LlamaThroughputBench() {}

  public static void main(String[] args) {
    int warmup = Integer.parseInt(args[0]);
    int steps = Integer.parseInt(args[1]);
    TrainingConfig config = TrainingConfig.builder().shape(SHAPE).objective(Objective.CLM).batchSize(BATCH)
        .steps(warmup + steps).learningRate(1e-3, 1e-4).warmupSteps(0).weightDecay(0.1).gradClip(1.0).seed(1234)
        .checkpointEvery(1000).device("cpu").manifestKey("bench").llama(OPTIONS).build();
    SplittableRandom random = new SplittableRandom(1);
    int length = SHAPE.contextLength();
    try (Trainer trainer = new Trainer(SHAPE, config, Device.cpu())) {
      trainer.initialise();
      long start = 0;
      double loss = Double.NaN;
      for (int step = 0; step < warmup + steps; step++) {
        if (step == warmup) {
          start = System.nanoTime();
        }
        int[] inputs = random.ints((long) BATCH * length, 0, SHAPE.vocabSize()).toArray();
        int[] targets = random.ints((long) BATCH * length, 0, SHAPE.vocabSize()).toArray();
        loss = trainer.trainStep(step, TrainingBatch.of(BATCH, length, inputs, targets));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double tokensPerSecond = (double) steps * BATCH * length / seconds;
      System.out.printf("kiln-llama tokens/s %.0f (%d timed steps in %.2f s, %d parameters, %d threads, last loss %.3f)%n",
          tokensPerSecond, steps, seconds, trainer.parameterCount(), JniUtils.getNumThreads(), loss);
    }
  }
}
