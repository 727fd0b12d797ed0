package dev.kiln.activities.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.MlpActivation;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The MLP's two GELUs: the exact one is libtorch's kernel as before, the tanh one is GPT-2's and trains. */
class GeluTest {

  @Test
  void theTanhFormIsGpt2sAndTheExactFormIsLibtorchsKernel() {
    float[] x = {-6f, -3f, -2f, -1f, -0.5f, 0f, 0.3f, 1f, 2f, 3.5f, 8f};
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      NDArray input = m.create(x);
      float[] tanh = Gelu.apply(MlpActivation.GELU_TANH, input).toFloatArray();
      float[] exact = Gelu.apply(MlpActivation.GELU, input).toFloatArray();
      assertArrayEquals(Activation.gelu(input).toFloatArray(), exact, "the default is the kernel every run used");
      double largest = 0;
      for (int i = 0; i < x.length; i++) {
        double v = x[i];
        double gpt2 = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
        assertEquals(gpt2, tanh[i], 2e-6, "gelu_new(" + v + ")");
        largest = Math.max(largest, Math.abs(tanh[i] - exact[i]));
      }
      assertTrue(largest > 1e-4 && largest < 1e-3, "the two differ by GPT-2's approximation error: " + largest);
    }
  }

  @Test
  void aGptWithTheTanhGeluTrainsAndDiffersFromTheExactOne() {
    ModelShape shape = new ModelShape(64, 16, 16, 1, 2);
    int[] tokens = new SplittableRandom(1).ints(2048, 2, 64).toArray();
    double[] losses = new double[2];
    String[] hashes = new String[2];
    for (MlpActivation activation : MlpActivation.values()) {
      TrainingConfig config = TrainingConfig.builder().shape(shape).objective(Objective.CLM).batchSize(4).steps(5)
          .learningRate(1e-2, 1e-3).warmupSteps(1).weightDecay(0.1).gradClip(1.0).seed(3).checkpointEvery(5)
          .device("cpu").manifestKey("test").activation(activation).build();
      PretrainingObjective batches = PretrainingObjective.of(Objective.CLM, tokens, shape, 4, 3);
      try (Trainer trainer = new Trainer(shape, config, Device.cpu())) {
        trainer.initialise();
        double first = trainer.trainStep(0, batches.batch(0));
        double last = first;
        for (int step = 1; step < 5; step++) {
          last = trainer.trainStep(step, batches.batch(step));
        }
        assertTrue(Double.isFinite(last) && last < first, activation + ": loss " + first + " -> " + last);
        assertEquals(activation, ((GptModel) trainer.model()).activation());
        losses[activation.ordinal()] = last;
        hashes[activation.ordinal()] = trainer.parameterHash();
      }
    }
    assertNotEquals(hashes[0], hashes[1], "the activation is used");
    assertEquals(losses[0], losses[1], 0.05, "and changes little");
  }

  @Test
  void onlyAGptTakesTheTanhGelu() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TransformerModel.create(
        Objective.MLM, new ModelShape(64, 16, 16, 1, 2), 0, Device.cpu(), MlpActivation.GELU_TANH));
    assertEquals("only a GPT (objective clm) can use the MLP activation gelu_new; mlm trains with gelu", e.getMessage());
  }
}
