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
import java.util.List;
import java.util.SortedMap;
import java.util.SplittableRandom;
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
    try (NamedParameters parameters = new NamedParameters("a test model", Device.cpu());
        NDManager step = parameters.manager().newSubManager()) {
      parameters.linear("fc", 2, 2, 0.02);
      parameters.layerNorm("ln", 2);
      fillWithOnes(parameters);
      try (AdamW adamW = new AdamW(parameters, 0.5, 1.0)) {
        // A zero gradient: only weight decay moves a parameter.
        adamW.update(0.1, step.zeros(parameters.flat().getShape()));
        SortedMap<String, NDArray> all = parameters.all();
        assertArrayEquals(new float[] {0.95f, 0.95f, 0.95f, 0.95f}, all.get("fc.weight").toFloatArray(), 1e-7f);
        assertArrayEquals(new float[] {1f, 1f}, all.get("fc.bias").toFloatArray());
        assertArrayEquals(new float[] {1f, 1f}, all.get("ln.weight").toFloatArray());
        assertEquals(1, adamW.step("fc.bias"));
        IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> adamW.update(0.1, step.zeros(new Shape(3))));
        assertTrue(e.getMessage().contains("laid out as"), e.getMessage());
      }
    }
  }

  @Test
  void parametersShareOneBufferMatricesFirstEachSliceAligned() {
    try (NamedParameters parameters = new NamedParameters("a test model", Device.cpu());
        NDManager step = parameters.manager().newSubManager()) {
      LinearWeights fc = parameters.linear("fc", 3, 5, 0.02); // weight [5, 3]: 15 floats, then a gap to 16
      LayerNormWeights ln = parameters.layerNorm("a.ln", 3); // named before fc, but not a matrix: after it
      List<NamedParameters.Slot> slots = parameters.slots();
      assertEquals(List.of("fc.weight", "a.ln.bias", "a.ln.weight", "fc.bias"), slots.stream().map(NamedParameters.Slot::name).toList());
      assertEquals(15, parameters.decayedSize());
      for (NamedParameters.Slot slot : slots) {
        assertEquals(0, slot.offset() % 16, slot.name() + " starts on a 64-byte boundary");
      }
      fillWithOnes(parameters);
      float[] buffer = parameters.flat().toFloatArray();
      assertEquals(3 * 16 + 5, buffer.length, "slices at 0, 16, 32 and 48; the last one, fc.bias, ends the buffer");
      assertEquals(53 - (15 + 3 + 3 + 5), (int) Arrays.stream(toDoubles(buffer)).filter(v -> v == 0).count(), "the gaps stay zero");
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        parameters.bindForTraining(step);
        assertArrayEquals(new float[15], fc.weight().value().sub(parameters.all().get("fc.weight")).toFloatArray(),
            "the bound views read the buffer");
        NDArray loss = fc.apply(step.ones(new Shape(2, 3))).sum().add(ln.gain().value().mul(step.create(2f)).sum());
        collector.backward(loss);
      }
      float[] gradient = parameters.gradient().toFloatArray();
      parameters.release();
      assertEquals(buffer.length, gradient.length, "one gradient laid out as the buffer");
      NamedParameters.Slot weight = slots.get(0);
      for (int i = 0; i < 15; i++) {
        assertEquals(2f, gradient[(int) weight.offset() + i], "d sum(x W^T + b) / dW with two rows of ones");
      }
      NamedParameters.Slot gain = slots.get(2);
      assertEquals(2f, gradient[(int) gain.offset()]);
      assertEquals(0f, gradient[15], "nothing flows into a gap");
      assertTrue(fc.weight().value() == parameters.all().get("fc.weight"), "released: the persistent views again");
    }
  }

  @Test
  void adamWFollowsTheTextbookUpdateWithClippingAndItsStateRoundTrips() {
    float[] matrixGradient = {3f, -4f, 0.5f, 12f};
    float[] vectorGradient = {-1f, 2f};
    double weightDecay = 0.1;
    double clip = 1.0;
    double[] rates = {0.01, 0.02, 0.005};
    double norm = Math.sqrt(9 + 16 + 0.25 + 144 + 1 + 4);
    try (NamedParameters parameters = new NamedParameters("a test model", Device.cpu())) {
      LinearWeights fc = parameters.linear("fc", 2, 2, 0.02);
      fillWithOnes(parameters);
      SortedMap<String, NDArray> all = parameters.all();
      double[] expectedWeight = {1, 1, 1, 1};
      double[] expectedBias = {1, 1};
      double[][] moments = new double[4][6];
      byte[] stateAfterTwo = null;
      try (AdamW adamW = new AdamW(parameters, weightDecay, clip)) {
        for (int step = 0; step < rates.length; step++) {
          try (NDManager stepManager = parameters.manager().newSubManager()) {
            // Backward of sum(W * gW) + sum(b * gb): the gradients of W and b are gW and gb.
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
              parameters.bindForTraining(stepManager);
              NDArray w = fc.weight().value();
              NDArray b = fc.bias().value();
              collector.backward(w.mul(stepManager.create(matrixGradient, w.getShape())).sum()
                  .add(b.mul(stepManager.create(vectorGradient, b.getShape())).sum()));
            }
            NDArray gradient = parameters.gradient();
            float[] weightGradient = Arrays.copyOf(gradient.toFloatArray(), 4);
            assertArrayEquals(matrixGradient, weightGradient, "each step's gradient is its own: nothing accumulates");
            assertEquals(norm, adamW.update(rates[step], gradient), 1e-5);
            parameters.release();
          }
          double scale = clip / (norm + 1e-6);
          textbookAdamW(expectedWeight, matrixGradient, scale, rates[step], weightDecay, step + 1, moments, 0);
          textbookAdamW(expectedBias, vectorGradient, scale, rates[step], 0, step + 1, moments, 4);
          assertArrayEquals(toFloats(expectedWeight), all.get("fc.weight").toFloatArray(), 1e-6f, "step " + step);
          assertArrayEquals(toFloats(expectedBias), all.get("fc.bias").toFloatArray(), 1e-6f, "step " + step);
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

  private static float[] toFloats(double[] values) {
    float[] floats = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      floats[i] = (float) values[i];
    }
    return floats;
  }

  /** Sets every parameter to 1 (through the views, into the buffer). */
  private static void fillWithOnes(NamedParameters parameters) {
    for (NDArray parameter : parameters.all().values()) {
      try (NDArray ones = parameters.manager().ones(parameter.getShape())) {
        NamedParameters.copyInto(parameter, ones);
      }
    }
  }

  private static double[] toDoubles(float[] values) {
    double[] doubles = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      doubles[i] = values[i];
    }
    return doubles;
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
