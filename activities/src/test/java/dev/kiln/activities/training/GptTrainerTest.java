package dev.kiln.activities.training;

import static org.junit.jupiter.api.Assertions.assertFalse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GptTrainerTest {

  private static final ModelShape TINY = new ModelShape(32, 16, 32, 2, 4);
  private static final Device CPU = Device.cpu();

  static TrainingConfig config(ModelShape shape, int steps, double dropout) {
    return new TrainingConfig(
        shape, Objective.CLM, 8, steps, 1e-2, 1e-3, 10, 0.1, 1.0, dropout, 42L, 20, "cpu", "manifest", null);
  }

  /** A stream with a period of 12 tokens: easy to learn, so the loss must fall fast. */
  static int[] repetitiveStream(int length) {
    int[] tokens = new int[length];
    for (int i = 0; i < length; i++) {
      tokens[i] = (i * 7) % 12;
    }
    return tokens;
  }

  @Test
  void parameterCountMatchesModelShape() {
    for (ModelShape shape : new ModelShape[] {TINY, new ModelShape(4096, 128, 128, 4, 4)}) {
      try (GptModel model = new GptModel(shape, 0, CPU)) {
        assertEquals(shape.parameters(), model.parameterCount(), shape.toString());
      }
    }
  }

  @Test
  void logitsHaveBatchTimeVocabShape() {
    try (GptModel model = new GptModel(TINY, 0, CPU); NDManager step = model.newStepManager()) {
      model.initialise(1);
      NDArray logits = model.forward(TrainingBatch.tokenArray(step, new int[3 * 5], 3, 5), false);
      assertEquals(new ai.djl.ndarray.types.Shape(3, 5, 32), logits.getShape());
    }
  }

  @Test
  void futureTokensDoNotChangeEarlierLogits() {
    try (GptModel model = new GptModel(TINY, 0, CPU); NDManager step = model.newStepManager()) {
      model.initialise(7);
      int[] tokens = {3, 1, 4, 1, 5, 9, 2, 6};
      int[] changed = tokens.clone();
      changed[5] = 30;
      float[][] before = positions(model.forward(TrainingBatch.tokenArray(step, tokens, 1, 8), false));
      float[][] after = positions(model.forward(TrainingBatch.tokenArray(step, changed, 1, 8), false));
      for (int t = 0; t < 5; t++) {
        assertArrayEquals(before[t], after[t], 1e-6f, "position " + t);
      }
      assertNotEquals(before[5][0], after[5][0], "the changed position itself must see the change");
    }
  }

  private static float[][] positions(NDArray logits) {
    int time = (int) logits.getShape().get(1);
    float[][] rows = new float[time][];
    for (int t = 0; t < time; t++) {
      rows[t] = logits.get(0, t).toFloatArray();
    }
    return rows;
  }

  @Test
  void lossFallsOnRepetitiveStream() {
    TrainingConfig config = config(TINY, 100, 0.0);
    CausalLanguageModeling batcher = new CausalLanguageModeling(new TokenWindows(repetitiveStream(2000), 8, 3), 16);
    try (Trainer trainer = new Trainer(TINY, config, CPU)) {
      trainer.initialise();
      double first = trainer.trainStep(0, batcher.batch(0));
      double last = first;
      for (int step = 1; step < 100; step++) {
        last = trainer.trainStep(step, batcher.batch(step));
      }
      assertEquals(Math.log(32), first, 0.3, "an untrained model predicts ~uniformly");
      assertTrue(last < 0.5, "loss fell only from " + first + " to " + last);
    }
  }

  @Test
  void resumeIsBitwiseIdentical() {
    TrainingConfig config = config(TINY, 40, 0.1);
    SplittableRandom random = new SplittableRandom(5);
    int[] stream = random.ints(3000, 0, 32).toArray();
    CausalLanguageModeling batcher = new CausalLanguageModeling(new TokenWindows(stream, 8, config.seed()), 16);

    double[] uninterrupted = new double[40];
    String uninterruptedHash;
    try (Trainer a = new Trainer(TINY, config, CPU)) {
      a.initialise();
      for (int step = 0; step < 40; step++) {
        uninterrupted[step] = a.trainStep(step, batcher.batch(step));
      }
      uninterruptedHash = a.parameterHash();
    }

    byte[] model;
    byte[] optimizer;
    try (Trainer b = new Trainer(TINY, config, CPU)) {
      b.initialise();
      for (int step = 0; step < 20; step++) {
        assertEquals(uninterrupted[step], b.trainStep(step, batcher.batch(step)));
      }
      model = b.modelState();
      optimizer = b.optimizerState();
    }

    try (Trainer c = new Trainer(TINY, config, CPU)) {
      c.restore(model, optimizer, 20);
      for (int step = 20; step < 40; step++) {
        assertEquals(uninterrupted[step], c.trainStep(step, batcher.batch(step)), "loss at step " + step);
      }
      assertEquals(uninterruptedHash, c.parameterHash());
    }
  }

  @Test
  void aStateCopyEncodesAsTheStateAtItsStepWhileTrainingGoesOn() {
    TrainingConfig config = config(TINY, 10, 0.1);
    int[] stream = new SplittableRandom(6).ints(3000, 0, 32).toArray();
    CausalLanguageModeling batcher = new CausalLanguageModeling(new TokenWindows(stream, 8, config.seed()), 16);
    try (Trainer trainer = new Trainer(TINY, config, CPU)) {
      trainer.initialise();
      for (int step = 0; step < 5; step++) {
        trainer.trainStep(step, batcher.batch(step));
      }
      byte[] model = trainer.modelState();
      byte[] optimizer = trainer.optimizerState();
      try (Trainer.StateCopy copy = trainer.copyState()) {
        for (int step = 5; step < 10; step++) {
          trainer.trainStep(step, batcher.batch(step)); // updates the parameters and moments in place
        }
        assertArrayEquals(model, copy.model());
        assertArrayEquals(optimizer, copy.optimizer());
      }
      assertFalse(java.util.Arrays.equals(model, trainer.modelState()));
    }
  }

  @Test
  void restoreRejectsMismatchedShapeAndStep() {
    TrainingConfig config = config(TINY, 10, 0.0);
    try (Trainer small = new Trainer(TINY, config, CPU);
        Trainer wide = new Trainer(TINY.withVocabSize(40), config, CPU)) {
      small.initialise();
      IllegalArgumentException shape =
          assertThrows(IllegalArgumentException.class, () -> wide.loadWeights(small.modelState()));
      assertTrue(shape.getMessage().contains("transformer.wte.weight"), shape.getMessage());
      IllegalArgumentException step =
          assertThrows(IllegalArgumentException.class, () -> small.restore(small.modelState(), small.optimizerState(), 3));
      assertTrue(step.getMessage().contains("step 3"), step.getMessage());
    }
  }

  @Test
  void nonFiniteLossNamesTheStepAndLeavesParametersUntouched() {
    TrainingConfig config = config(TINY, 10, 0.0);
    CausalLanguageModeling batcher = new CausalLanguageModeling(new TokenWindows(repetitiveStream(100), 8, 3), 16);
    try (Trainer trainer = new Trainer(TINY, config, CPU)) {
      trainer.initialise();
      trainer.trainStep(0, batcher.batch(0));
      NDArray positions = trainer.model().parameters().get("transformer.wpe.weight");
      try (NDArray nan = positions.getManager().full(positions.getShape(), Float.NaN)) {
        positions.set(new NDIndex(":"), nan);
      }
      String poisoned = trainer.parameterHash();
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> trainer.trainStep(1, batcher.batch(1)));
      assertTrue(e.getMessage().contains("step 1"), e.getMessage());
      assertEquals(poisoned, trainer.parameterHash());
      assertEquals(1, trainer.nextStep());
    }
  }

  @Test
  void weightsRoundTripThroughSafetensors() {
    try (GptModel model = new GptModel(TINY, 0, CPU)) {
      model.initialise(11);
      try (TransformerModel copy = TransformerModel.load(Objective.CLM, TINY, model.weights(), CPU)) {
        assertEquals(model.parameterHash(), copy.parameterHash());
      }
    }
  }

  @Test
  void anOperatorsLearningRateScalesTheScheduleFromItsStepOn() {
    TrainingConfig config = config(TINY, 100, 0.0);
    try (Trainer trainer = new Trainer(TINY, config, CPU)) {
      LearningRateSchedule schedule = LearningRateSchedule.of(config);
      trainer.setLearningRateOverrides(java.util.List.of(new dev.kiln.workflows.training.LearningRateOverride(40, 1e-4)));
      assertEquals(schedule.at(39), trainer.learningRate(39), 0, "before the override: the schedule");
      assertEquals(1e-4, trainer.learningRate(40), 1e-15, "at the override: the rate asked for");
      assertEquals(1e-4 * schedule.at(70) / schedule.at(40), trainer.learningRate(70), 1e-15, "after: the same shape");
    }
  }

  @Test
  void aRejectedLossLeavesTheParametersAsTheyWere() {
    TrainingConfig config = config(TINY, 10, 0.0);
    CausalLanguageModeling batcher = new CausalLanguageModeling(new TokenWindows(repetitiveStream(100), 8, 3), 16);
    try (Trainer trainer = new Trainer(TINY, config, CPU)) {
      trainer.initialise();
      String before = trainer.parameterHash();
      Trainer.RejectedLossException e = assertThrows(Trainer.RejectedLossException.class,
          () -> trainer.trainStep(0, batcher.batch(0), loss -> "loss " + loss + " is a spike"));
      assertEquals(0, e.step());
      assertTrue(e.reason().endsWith("is a spike"), e.reason());
      assertEquals(before, trainer.parameterHash());
      assertEquals(0, trainer.nextStep(), "the step can be taken again with another batch");
      trainer.trainStep(0, batcher.batch(1));
      assertNotEquals(before, trainer.parameterHash());
    }
  }
}
