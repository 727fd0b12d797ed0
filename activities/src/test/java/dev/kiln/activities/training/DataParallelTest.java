package dev.kiln.activities.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Data parallelism without GPUs: replicas on the CPU go through the same splitting, loss weighting, gradient
 * reduction and weight broadcast as replicas on several GPUs, so a data-parallel step must move the weights
 * exactly as one step on the whole batch does (up to float rounding: the sums run in another order).
 */
class DataParallelTest {

  private static final int TOKENIZER_VOCAB = 64;
  private static final int CONTEXT = 24; // span corruption needs >= 17
  private static final int BATCH = 5; // odd, so the replicas get unequal shares

  @ParameterizedTest
  @EnumSource(Objective.class)
  void stepsOnThreeReplicasMatchStepsOnTheWholeBatch(Objective objective) {
    ModelShape shape = new ModelShape(objective.modelVocabSize(TOKENIZER_VOCAB, CONTEXT), CONTEXT, 32, 2, 2);
    TrainingConfig config = new TrainingConfig(
        shape, objective, BATCH, 10, 1e-2, 1e-3, 2, 0.1, 1.0, 0.0, 7L, 10, "cpu", "test", null);
    int[] stream = new SplittableRandom(3).ints(5_000, 2, TOKENIZER_VOCAB).toArray();
    PretrainingObjective batches = PretrainingObjective.of(objective, stream, shape, BATCH, config.seed());
    try (Trainer single = new Trainer(shape, config, Device.cpu());
        Trainer parallel = new Trainer(shape, config, List.of(Device.cpu(), Device.cpu(), Device.cpu()))) {
      assertEquals(3, parallel.devices());
      single.initialise();
      parallel.initialise();
      for (int step = 0; step < 4; step++) {
        TrainingBatch batch = batches.batch(step);
        assertEquals(single.trainStep(step, batch), parallel.trainStep(step, batch), 1e-5, "loss at step " + step);
      }
      Map<String, NDArray> expected = single.model().parameters();
      for (Map.Entry<String, NDArray> p : parallel.model().parameters().entrySet()) {
        assertArrayEquals(expected.get(p.getKey()).toFloatArray(), p.getValue().toFloatArray(), 2e-5f, p.getKey());
      }
    }
  }

  @Test
  void replicasHoldTheMastersWeightsAfterEachStep() {
    Objective objective = Objective.MLM;
    ModelShape shape = new ModelShape(objective.modelVocabSize(TOKENIZER_VOCAB, CONTEXT), CONTEXT, 32, 1, 2);
    TrainingConfig config = new TrainingConfig(
        shape, objective, 4, 10, 1e-2, 1e-3, 2, 0.1, 1.0, 0.0, 7L, 10, "cpu", "test", null);
    int[] stream = new SplittableRandom(3).ints(5_000, 2, TOKENIZER_VOCAB).toArray();
    PretrainingObjective batches = PretrainingObjective.of(objective, stream, shape, 4, config.seed());
    try (TransformerModel master = TransformerModel.create(objective, shape, 0, Device.cpu());
        DataParallelReplicas parallel = new DataParallelReplicas(
            master, List.of(TransformerModel.create(objective, shape, 0, Device.cpu())));
        Trainer trainer = new Trainer(shape, config, List.of(Device.cpu(), Device.cpu()))) {
      master.initialise(1);
      parallel.broadcastWeights();
      assertEquals(master.parameterHash(), parallel.replicas().get(0).parameterHash(), "broadcast copies every weight");

      trainer.initialise();
      String before = trainer.parameterHash();
      trainer.trainStep(0, batches.batch(0));
      assertNotEquals(before, trainer.parameterHash(), "the step moved the master");
    }
  }

  @Test
  void sharesAreWeightedByTheirPredictedPositions() {
    // MLM selects a random number of positions per row, so equal rows do not mean equal weights.
    int[] targets = {5, -1, -1, -1, /* row 1 */ 5, 6, 7, -1, /* row 2 */ 5, 6, -1, -1};
    TrainingBatch batch = TrainingBatch.of(3, 4, new int[12], targets);
    List<DataParallelReplicas.Share> shares = DataParallelReplicas.split(batch, 2);
    assertEquals(2, shares.size());
    assertEquals(0, shares.get(0).fromRow());
    assertEquals(1, shares.get(0).toRow());
    assertEquals(1.0 / 6, shares.get(0).weight(), 1e-12);
    assertEquals(5.0 / 6, shares.get(1).weight(), 1e-12);
    assertArrayEquals(new int[] {5, 6, 7, -1, 5, 6, -1, -1}, shares.get(1).batch().targets());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataParallelReplicas.split(batch, 4));
    assertTrue(e.getMessage().contains("batchSize >= 4"), e.getMessage());
  }

  @Test
  void aBatchSmallerThanTheDevicesIsRefusedWithTheFix() {
    ModelShape shape = new ModelShape(TOKENIZER_VOCAB, CONTEXT, 32, 1, 2);
    TrainingConfig config = new TrainingConfig(shape, Objective.CLM, 1, 10, 1e-2, 1e-3, 2, 0.1, 1.0, 0.0, 7L, 10, "gpu:0,1", "test", null);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Trainer(shape, config, List.of(Device.cpu(), Device.cpu())));
    assertTrue(e.getMessage().contains("batchSize >= 2"), e.getMessage());
  }
}
