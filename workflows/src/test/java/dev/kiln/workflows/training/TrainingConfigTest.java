package dev.kiln.workflows.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.kiln.workflows.scope.ModelShape;
import org.junit.jupiter.api.Test;

/** The config guard of every checkpoint: SHA-256 now, and the 32-bit hash older checkpoints carry. */
class TrainingConfigTest {
  @Test
  void theHashIsTheSha256OfTheConfigAndTheLegacyHashIsUnchanged() throws Exception {
    TrainingConfig config = config(1234);
    String text = config.toString();
    String expected = java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertEquals(expected, config.hash());
    assertEquals(64, config.hash().length());
    assertEquals(Integer.toHexString(text.hashCode()), config.legacyHash());
    assertNotEquals(config.hash(), config(1235).hash());
    assertEquals(config.hash(), config(1234).hash());
  }

  /** Checkpoint manifests of runs in flight record this hash: a refactoring of the config must not change it. */
  @Test
  void theHashOfAConfigIsWhatCheckpointsWrittenByEarlierWorkersRecord() {
    assertEquals("TrainingConfig[shape=ModelShape[vocabSize=1024, contextLength=128, dModel=64, layers=2, heads=2],"
        + " objective=clm, batchSize=8, steps=100, learningRate=0.003, minLearningRate=3.0E-4, warmupSteps=10,"
        + " weightDecay=0.1, gradClip=1.0, dropout=0.0, seed=1234, checkpointEvery=20, device=cpu,"
        + " manifestKey=runs/r/curated/manifest.json, initWeightsKey=null]", config(1234).toString());
  }

  private static TrainingConfig config(long seed) {
    return new TrainingConfig(new ModelShape(1024, 128, 64, 2, 2), Objective.CLM, 8, 100, 3e-3, 3e-4, 10, 0.1, 1.0, 0.0, seed, 20,
        "cpu", "runs/r/curated/manifest.json", null);
  }

  @Test
  void theBuilderMakesTheSameConfigByNameAndSaysWhatIsMissing() {
    TrainingConfig config = config(1234);
    assertEquals(config, config.toBuilder().build());
    assertEquals(config.hash(), TrainingConfig.builder()
        .shape(new ModelShape(1024, 128, 64, 2, 2)).objective(Objective.CLM).batchSize(8).steps(100)
        .learningRate(3e-3, 3e-4).warmupSteps(10).weightDecay(0.1).gradClip(1.0).seed(1234).checkpointEvery(20)
        .device("cpu").manifestKey("runs/r/curated/manifest.json").build().hash());
    IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> TrainingConfig.builder().shape(config.shape()).objective(Objective.CLM).build());
    assertEquals("a training config needs batchSize, steps, learningRate, warmupSteps, weightDecay, gradClip, seed,"
        + " checkpointEvery, device, manifestKey", e.getMessage());
  }
}
