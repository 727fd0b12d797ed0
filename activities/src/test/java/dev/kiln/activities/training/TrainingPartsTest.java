package dev.kiln.activities.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.training.GradientCollector;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.kiln.workflows.scope.ModelShape;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TrainingPartsTest {

  @Test
  void scheduleWarmsUpLinearlyThenDecaysByCosineToTheMinimum() {
    LearningRateSchedule schedule = new LearningRateSchedule(1e-3, 1e-4, 10, 110);
    assertEquals(1e-4, schedule.at(0), 1e-12);
    assertEquals(5e-4, schedule.at(4), 1e-12);
    assertEquals(1e-3, schedule.at(9), 1e-12);
    assertEquals(1e-3, schedule.at(10), 1e-12);
    assertEquals(5.5e-4, schedule.at(60), 1e-12, "halfway through the decay");
    assertEquals(1e-4, schedule.at(110), 1e-12);
    assertEquals(1e-4, schedule.at(500), 1e-12);
  }

  @Test
  void batchesArePureFunctionsOfSeedAndStep() {
    int[] stream = new SplittableRandom(1).ints(500, 0, 100).toArray();
    CausalLanguageModeling batcher = new CausalLanguageModeling(new TokenWindows(stream, 4, 99), 8);
    TrainingBatch batch = batcher.batch(7);
    assertArrayEquals(batch.inputs(), new CausalLanguageModeling(new TokenWindows(stream, 4, 99), 8).batch(7).inputs());
    assertFalse(Arrays.equals(batch.inputs(), batcher.batch(8).inputs()));
    assertFalse(Arrays.equals(batch.inputs(), new CausalLanguageModeling(new TokenWindows(stream, 4, 100), 8).batch(7).inputs()));
    for (int row = 0; row < 4; row++) {
      for (int t = 0; t < 7; t++) {
        assertEquals(batch.inputs()[row * 8 + t + 1], batch.targets()[row * 8 + t], "targets are the next tokens");
      }
    }
  }

  @Test
  void batcherRejectsStreamsShorterThanOneWindow() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new CausalLanguageModeling(new TokenWindows(new int[8], 2, 1), 8));
    assertTrue(e.getMessage().contains("contextLength + 1"), e.getMessage());
    new CausalLanguageModeling(new TokenWindows(new int[9], 2, 1), 8).batch(0);
  }

  @Test
  void weightDecaySkipsBiasesAndLayerNorms() {
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      SortedMap<String, NDArray> parameters = new TreeMap<>();
      parameters.put("fc.weight", parameter(manager, new Shape(2, 2)));
      parameters.put("fc.bias", parameter(manager, new Shape(2)));
      parameters.put("ln.weight", parameter(manager, new Shape(2)));
      try (AdamW adamW = new AdamW(parameters, 0.5, 1.0)) {
        // No backward ran, so every gradient is zero and only weight decay moves a parameter.
        adamW.update(0.1);
        assertArrayEquals(new float[] {0.95f, 0.95f, 0.95f, 0.95f}, parameters.get("fc.weight").toFloatArray(), 1e-7f);
        assertArrayEquals(new float[] {1f, 1f}, parameters.get("fc.bias").toFloatArray());
        assertArrayEquals(new float[] {1f, 1f}, parameters.get("ln.weight").toFloatArray());
        assertEquals(1, adamW.step("fc.bias"));
      }
    }
  }

  @Test
  void adamWFollowsTheTextbookUpdateWithClippingAndItsStateRoundTrips() {
    float[] matrixGradient = {3f, -4f, 0.5f, 12f};
    float[] vectorGradient = {-1f, 2f};
    double weightDecay = 0.1;
    double clip = 1.0;
    double[] rates = {0.01, 0.02, 0.005};
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      SortedMap<String, NDArray> parameters = new TreeMap<>();
      parameters.put("fc.weight", parameter(manager, new Shape(2, 2)));
      parameters.put("fc.bias", parameter(manager, new Shape(2)));
      double[] expectedWeight = {1, 1, 1, 1};
      double[] expectedBias = {1, 1};
      double[][] moments = new double[4][6];
      byte[] stateAfterTwo = null;
      try (AdamW adamW = new AdamW(parameters, weightDecay, clip)) {
        for (int step = 0; step < rates.length; step++) {
          setGradients(manager, parameters.get("fc.weight"), matrixGradient, parameters.get("fc.bias"), vectorGradient);
          double norm = Math.sqrt(9 + 16 + 0.25 + 144 + 1 + 4);
          assertEquals(norm, adamW.update(rates[step]), 1e-5);
          double scale = clip / (norm + 1e-6);
          textbookAdamW(expectedWeight, matrixGradient, scale, rates[step], weightDecay, step + 1, moments, 0);
          textbookAdamW(expectedBias, vectorGradient, scale, rates[step], 0, step + 1, moments, 4);
          assertArrayEquals(toFloats(expectedWeight), parameters.get("fc.weight").toFloatArray(), 1e-6f, "step " + step);
          assertArrayEquals(toFloats(expectedBias), parameters.get("fc.bias").toFloatArray(), 1e-6f, "step " + step);
          assertArrayEquals(new float[4], parameters.get("fc.weight").getGradient().toFloatArray(), "gradients are cleared");
          if (step == 1) {
            stateAfterTwo = adamW.state();
          }
        }
        assertEquals(3, adamW.step("fc.weight"));
        byte[] stateAfterThree = adamW.state();
        adamW.loadState(stateAfterTwo);
        assertEquals(2, adamW.step("fc.bias"));
        adamW.loadState(stateAfterThree);
        assertArrayEquals(stateAfterThree, adamW.state(), "the state round-trips byte for byte");
      }
    }
  }

  /** AdamW as Loshchilov and Hutter write it (PyTorch's torch.optim.AdamW), in doubles, on a clipped gradient. */
  private static void textbookAdamW(double[] p, float[] g, double scale, double lr, double wd, int t, double[][] moments, int offset) {
    for (int i = 0; i < p.length; i++) {
      double gi = g[i] * scale;
      double m = moments[0][offset + i] = AdamW.BETA1 * moments[0][offset + i] + (1 - AdamW.BETA1) * gi;
      double v = moments[1][offset + i] = AdamW.BETA2 * moments[1][offset + i] + (1 - AdamW.BETA2) * gi * gi;
      p[i] *= 1 - lr * wd;
      double denominator = Math.sqrt(v) / Math.sqrt(1 - Math.pow(AdamW.BETA2, t)) + AdamW.EPSILON;
      p[i] -= lr / (1 - Math.pow(AdamW.BETA1, t)) * m / denominator;
    }
  }

  /** Backward of sum(a * ga) + sum(b * gb): the gradients of a and b are ga and gb. */
  private static void setGradients(NDManager manager, NDArray a, float[] ga, NDArray b, float[] gb) {
    try (NDManager step = manager.newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray loss = a.mul(step.create(ga, a.getShape())).sum().add(b.mul(step.create(gb, b.getShape())).sum());
      collector.backward(loss);
    }
  }

  private static float[] toFloats(double[] values) {
    float[] floats = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      floats[i] = (float) values[i];
    }
    return floats;
  }

  private static NDArray parameter(NDManager manager, Shape shape) {
    NDArray array = manager.ones(shape);
    array.setRequiresGradient(true);
    return array;
  }

  @Test
  void weightsLiveInLibtorchsOwnAlignedMemoryAfterInitialiseAndLoad() {
    // Weights in JVM-allocated memory sit at a 16-byte offset that varies by process, and MKL's products take
    // alignment-dependent paths: the same seed would train differently in a resumed process.
    ModelShape shape = new ModelShape(64, 16, 32, 1, 2);
    try (GptModel initialised = new GptModel(shape, 0, Device.cpu()); GptModel loaded = new GptModel(shape, 0, Device.cpu())) {
      initialised.initialise(5);
      loaded.loadWeights(initialised.weights());
      assertEquals(initialised.parameterHash(), loaded.parameterHash(), "load copies every weight exactly");
      for (GptModel model : new GptModel[] {initialised, loaded}) {
        for (var entry : model.parameters().entrySet()) {
          ByteBuffer storage = JniUtils.getByteBuffer((PtNDArray) entry.getValue(), true);
          assertTrue(storage.isDirect(), entry.getKey());
          assertEquals(0, storage.alignmentOffset(0, 64), entry.getKey() + " is not 64-byte aligned");
        }
      }
    }
  }

  @Test
  void untrainedModelLossIsAboutLogVocab() {
    ModelShape shape = new ModelShape(256, 32, 32, 2, 2);
    try (GptModel model = new GptModel(shape, 0, Device.cpu())) {
      model.initialise(3);
      int[] heldOut = new SplittableRandom(2).ints(1000, 0, 256).toArray();
      double loss = new LanguageModelEvaluator(model).meanLoss(heldOut, 900);
      assertEquals(Math.log(256), loss, 0.1);
    }
  }

  @Test
  void greedyGenerationContinuesTheLearnedPattern() {
    ModelShape shape = new ModelShape(32, 16, 32, 2, 4);
    int[] stream = GptTrainerTest.repetitiveStream(2000);
    CausalLanguageModeling batcher = new CausalLanguageModeling(new TokenWindows(stream, 8, 3), 16);
    try (Trainer trainer = new Trainer(shape, GptTrainerTest.config(shape, 100, 0.0), Device.cpu())) {
      trainer.initialise();
      for (int step = 0; step < 100; step++) {
        trainer.trainStep(step, batcher.batch(step));
      }
      LanguageModelEvaluator evaluator = new LanguageModelEvaluator((GptModel) trainer.model());
      int[] generated = evaluator.generate(Arrays.copyOf(stream, 5), 20, 0, 0);
      assertArrayEquals(Arrays.copyOf(stream, 25), generated, "a period-12 pattern beyond the 16-token context");
      int[] sampled = evaluator.generate(Arrays.copyOf(stream, 5), 20, 1.0, 8);
      assertArrayEquals(sampled, evaluator.generate(Arrays.copyOf(stream, 5), 20, 1.0, 8), "seeded sampling");
      assertTrue(evaluator.meanLoss(stream, 1000) < new UnigramBaseline(stream, 32).meanLoss(stream));
    }
  }

  @Test
  void unigramBaselineUsesAddOneSmoothedFrequencies() {
    UnigramBaseline baseline = new UnigramBaseline(new int[] {0, 0, 0, 1, 1, 2}, 4);
    // Counts 3, 2, 1, 0 plus one each over 6 + 4 tokens: p = 0.4, 0.3, 0.2, 0.1.
    assertEquals(-Math.log(0.4), baseline.meanLoss(new int[] {0}), 1e-12);
    assertEquals(-(Math.log(0.3) + Math.log(0.1)) / 2, baseline.meanLoss(new int[] {1, 3}), 1e-12);
    assertEquals(1 / 0.2, baseline.perplexity(new int[] {2}), 1e-9);
  }
}
