package dev.kiln.activities.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** The encoder (MLM) and the encoder-decoder (span corruption), next to the GPT tests in GptTrainerTest. */
class TransformerVariantsTest {

  private static final Device CPU = Device.cpu();
  private static final int TOKENIZER_VOCAB = 40;
  private static final int CONTEXT = 24;

  private static ModelShape shape(Objective objective) {
    return new ModelShape(objective.modelVocabSize(TOKENIZER_VOCAB, CONTEXT), CONTEXT, 32, 2, 4);
  }

  private static TrainingConfig config(Objective objective, int steps, double dropout) {
    return new TrainingConfig(shape(objective), objective, 8, steps, 1e-2, 1e-3, 10, 0.1, 1.0, dropout, 42L,
        20, "cpu", "manifest", null);
  }

  @Test
  void encoderLogitsHaveBatchTimeVocabShapeAndSeeBothSides() {
    ModelShape shape = shape(Objective.MLM);
    try (EncoderModel model = new EncoderModel(shape, 0, CPU); NDManager step = model.newStepManager()) {
      model.initialise(1);
      int[] tokens = {3, 5, 7, 9, 11, 13, 15, 17};
      int[] changed = tokens.clone();
      changed[6] = 30;
      NDArray before = model.forward(TrainingBatch.tokenArray(step, tokens, 1, 8), null, false);
      NDArray after = model.forward(TrainingBatch.tokenArray(step, changed, 1, 8), null, false);
      assertEquals(new Shape(1, 8, shape.vocabSize()), before.getShape());
      assertNotEquals(before.get(0, 0).getFloat(0), after.get(0, 0).getFloat(0), "position 0 sees a later token");
      assertEquals(shape.parameters(), model.parameterCount(), "the encoder has the GPT's parameters");
    }
  }

  @Test
  void paddingKeysDoNotChangeTheOtherPositions() {
    ModelShape shape = shape(Objective.MLM);
    try (EncoderModel model = new EncoderModel(shape, 0, CPU); NDManager step = model.newStepManager()) {
      model.initialise(2);
      int[] plain = {3, 5, 7, 9, 11, 13};
      int[] padded = {3, 5, 7, 9, 11, 13, TrainingBatch.PAD, TrainingBatch.PAD};
      NDArray short6 = model.forward(TrainingBatch.tokenArray(step, plain, 1, 6), null, false);
      NDArray long8 = model.forward(TrainingBatch.tokenArray(step, padded, 1, 8),
          AttentionMasks.padding(step, padded, 1, 8), false);
      for (int t = 0; t < 6; t++) {
        assertArrayEquals(short6.get(0, t).toFloatArray(), long8.get(0, t).toFloatArray(), 1e-5f, "position " + t);
      }
    }
  }

  @Test
  void theDecoderDoesNotSeeLaterTargetsButSeesTheWholeInput() {
    ModelShape shape = shape(Objective.SPAN_CORRUPTION);
    try (EncoderDecoderModel model = new EncoderDecoderModel(shape, 0, CPU); NDManager step = model.newStepManager()) {
      model.initialise(3);
      int[] input = {3, 5, 7, 9, 11, 13};
      int[] changedInput = {3, 5, 7, 9, 11, 20};
      int[] decoder = {1, 4, 6, 8, 10};
      int[] changedDecoder = {1, 4, 6, 30, 10};
      float[][] base = decode(model, step, input, decoder);
      float[][] laterTarget = decode(model, step, input, changedDecoder);
      float[][] otherInput = decode(model, step, changedInput, decoder);
      for (int t = 0; t < 3; t++) {
        assertArrayEquals(base[t], laterTarget[t], 1e-6f, "decoder position " + t);
      }
      assertNotEquals(base[3][0], laterTarget[3][0]);
      assertNotEquals(base[0][0], otherInput[0][0], "decoder position 0 cross-attends to the last input token");
      assertEquals(new Shape(1, 5, shape.vocabSize()).size(), (long) base.length * base[0].length);
      assertEquals(shape.parameters(dev.kiln.workflows.scope.Architecture.ENCODER_DECODER), model.parameterCount());
    }
  }

  private static float[][] decode(EncoderDecoderModel model, NDManager step, int[] input, int[] decoder) {
    NDArray memory = model.encode(TrainingBatch.tokenArray(step, input, 1, input.length), null, false);
    NDArray logits = model.decode(TrainingBatch.tokenArray(step, decoder, 1, decoder.length), memory, null, false);
    float[][] rows = new float[decoder.length][];
    for (int t = 0; t < decoder.length; t++) {
      rows[t] = logits.get(0, t).toFloatArray();
    }
    return rows;
  }

  @ParameterizedTest
  @EnumSource(value = Objective.class, names = {"MLM", "SPAN_CORRUPTION"})
  void resumeIsBitwiseIdentical(Objective objective) {
    TrainingConfig config = config(objective, 30, 0.1);
    int[] stream = new SplittableRandom(5).ints(3000, 2, TOKENIZER_VOCAB).toArray();
    PretrainingObjective batches = PretrainingObjective.of(objective, stream, config.shape(), 8, config.seed());

    double[] uninterrupted = new double[30];
    String uninterruptedHash;
    try (Trainer a = new Trainer(config.shape(), config, CPU)) {
      a.initialise();
      for (int step = 0; step < 30; step++) {
        uninterrupted[step] = a.trainStep(step, batches.batch(step));
      }
      uninterruptedHash = a.parameterHash();
    }
    byte[] model;
    byte[] optimizer;
    try (Trainer b = new Trainer(config.shape(), config, CPU)) {
      b.initialise();
      for (int step = 0; step < 15; step++) {
        b.trainStep(step, batches.batch(step));
      }
      model = b.modelState();
      optimizer = b.optimizerState();
    }
    try (Trainer c = new Trainer(config.shape(), config, CPU)) {
      c.restore(model, optimizer, 15);
      for (int step = 15; step < 30; step++) {
        assertEquals(uninterrupted[step], c.trainStep(step, batches.batch(step)), "loss at step " + step);
      }
      assertEquals(uninterruptedHash, c.parameterHash());
    }
  }

  @ParameterizedTest
  @EnumSource(value = Objective.class, names = {"MLM", "SPAN_CORRUPTION"})
  void lossFallsOnARepetitiveStream(Objective objective) {
    TrainingConfig config = config(objective, 80, 0.0);
    int[] stream = new int[3000];
    for (int i = 0; i < stream.length; i++) {
      stream[i] = 2 + (i * 7) % 12;
    }
    PretrainingObjective batches = PretrainingObjective.of(objective, stream, config.shape(), 8, config.seed());
    try (Trainer trainer = new Trainer(config.shape(), config, CPU)) {
      trainer.initialise();
      double first = trainer.trainStep(0, batches.batch(0));
      double last = first;
      for (int step = 1; step < 80; step++) {
        last = trainer.trainStep(step, batches.batch(step));
      }
      assertEquals(Math.log(config.shape().vocabSize()), first, 0.3, "an untrained model predicts ~uniformly");
      // The decoder predicts each span token from the one before it, as a GPT does: learned within 80 steps.
      // A masked token has to be found by attending to its neighbours, which takes MLM far longer, so in 80
      // steps it must at least have learned that only 12 of the 41 tokens occur (log 12 = 2.48 < log 41).
      double bound = objective == Objective.SPAN_CORRUPTION ? 1.0 : Math.log(12) + 0.1;
      assertTrue(last < bound, objective + " loss fell only from " + first + " to " + last);
    }
  }

  @Test
  void weightsOfOneArchitectureDoNotLoadIntoAnother() {
    try (TransformerModel encoder = TransformerModel.create(Objective.MLM, shape(Objective.MLM), 0, CPU)) {
      encoder.initialise(1);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> TransformerModel.load(Objective.CLM, shape(Objective.MLM), encoder.weights(), CPU));
      assertTrue(e.getMessage().contains("encoder."), e.getMessage());
    }
  }
}
