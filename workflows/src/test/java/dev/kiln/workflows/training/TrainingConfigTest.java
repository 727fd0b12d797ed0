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

  /** GPT-2's tanh GELU is a choice that changes the hash; the exact GELU, chosen or not, keeps the text of old runs. */
  @Test
  void onlyANonDefaultActivationEntersTheCanonicalText() {
    TrainingConfig config = config(1234);
    TrainingConfig explicitGelu = config.toBuilder().activation(MlpActivation.GELU).build();
    assertEquals(config, explicitGelu);
    assertEquals(config.hash(), explicitGelu.hash());
    assertEquals(MlpActivation.GELU, config.mlpActivation());
    TrainingConfig tanh = config.toBuilder().activation(MlpActivation.GELU_TANH).build();
    assertEquals(MlpActivation.GELU_TANH, tanh.mlpActivation());
    assertEquals(config.toString().replace("initWeightsKey=null]", "initWeightsKey=null, activation=gelu_new]"), tanh.toString());
    assertNotEquals(config.hash(), tanh.hash());
    assertEquals(MlpActivation.GELU_TANH, MlpActivation.of("gelu_new"));
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> MlpActivation.of("relu"));
    assertEquals("unknown MLP activation 'relu'; known: [gelu, gelu_new]", e.getMessage());
    IllegalArgumentException mlm = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> config.toBuilder().objective(Objective.MLM).activation(MlpActivation.GELU_TANH).build());
    assertEquals("activation gelu_new is a choice of Kiln's GPT, but the config trains mlm. Fix: drop the activation",
        mlm.getMessage());
  }

  /** What activities and histories carry: a config with the default activation has no activation field at all. */
  @Test
  void theJsonOfADefaultConfigHasNoActivationAndAChosenOneRoundTrips() {
    io.temporal.common.converter.DataConverter converter = io.temporal.common.converter.DefaultDataConverter.STANDARD_INSTANCE;
    TrainingConfig config = config(1234);
    String json = converter.toPayload(config).orElseThrow().getData().toStringUtf8();
    org.junit.jupiter.api.Assertions.assertFalse(json.contains("activation"), json);
    TrainingConfig tanh = config.toBuilder().activation(MlpActivation.GELU_TANH).build();
    io.temporal.api.common.v1.Payload payload = converter.toPayload(tanh).orElseThrow();
    org.junit.jupiter.api.Assertions.assertTrue(payload.getData().toStringUtf8().contains("\"activation\":\"gelu_new\""));
    assertEquals(tanh, converter.fromPayload(payload, TrainingConfig.class, TrainingConfig.class));
    assertEquals(config, converter.fromPayload(converter.toPayload(config).orElseThrow(), TrainingConfig.class, TrainingConfig.class));
  }
}
