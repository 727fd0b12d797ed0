package dev.kiln.activities.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.TrainingConfig;

/**
 * Trains the tiny GPT of {@link GptTrainerTest} for a few steps on the CPU and prints which libtorch did it and the
 * loss of every step: {@link ExternalLibtorchTest} runs it in a JVM pointed at another libtorch.
 */
public final class ExternalLibtorchProbe {
  static final ModelShape SHAPE = new ModelShape(32, 16, 32, 2, 4);
  static final int STEPS = 30;

  private ExternalLibtorchProbe() {}

  public static void main(String[] args) {
    Engine engine = Engine.getEngine("PyTorch");
    System.out.println("libtorch " + ai.djl.pytorch.jni.LibUtils.getLibtorchPath());
    System.out.println("version " + engine.getVersion());
    for (double loss : losses()) {
      System.out.println("loss " + loss);
    }
  }

  /** The loss of each step of a fixed, seeded training. */
  static double[] losses() {
    TrainingConfig config = GptTrainerTest.config(SHAPE, STEPS, 0.0);
    CausalLanguageModeling batcher =
        new CausalLanguageModeling(new TokenWindows(GptTrainerTest.repetitiveStream(2000), 8, 3), 16);
    double[] losses = new double[STEPS];
    try (Trainer trainer = new Trainer(SHAPE, config, Device.cpu())) {
      trainer.initialise();
      for (int step = 0; step < STEPS; step++) {
        losses[step] = trainer.trainStep(step, batcher.batch(step));
      }
    }
    return losses;
  }
}
