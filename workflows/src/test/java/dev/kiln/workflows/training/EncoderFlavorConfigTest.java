package dev.kiln.workflows.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.workflows.scope.ModelShape;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The encoder flavor of a training config: absent, a config's payload, text and hash are what they were before it
 * existed; present, it travels through Temporal's converter and changes the hash.
 */
class EncoderFlavorConfigTest {

  @Test
  void withoutAFlavorThePayloadAndTheHashAreUnchanged() {
    TrainingConfig config = config(null);
    String json = json(config);
    assertFalse(json.contains("encoderFlavor"), json);
    assertEquals(config, roundTrip(config));
    assertEquals(new TrainingConfig(config.shape(), Objective.MLM, 8, 100, 3e-3, 3e-4, 10, 0.1, 1.0, 0.0, 1234, 20,
        "cpu", "m", null).hash(), config.hash());
  }

  @Test
  void aFlavorTravelsByItsIdAndChangesTheHash() {
    TrainingConfig bert = config(EncoderFlavor.BERT);
    assertTrue(json(bert).contains("\"encoderFlavor\":\"bert\""), json(bert));
    assertEquals(bert, roundTrip(bert));
    assertTrue(bert.toString().endsWith(", initWeightsKey=null, encoderFlavor=bert]"), bert.toString());
    assertFalse(bert.hash().equals(config(null).hash()));
    assertFalse(bert.hash().equals(config(EncoderFlavor.ROBERTA).hash()));
  }

  @Test
  void aFlavorNeedsTheMlmObjective() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> config(EncoderFlavor.ROBERTA).toBuilder().objective(Objective.CLM).build());
    assertTrue(e.getMessage().contains("encoderFlavor roberta"), e.getMessage());
  }

  private static TrainingConfig config(EncoderFlavor flavor) {
    return TrainingConfig.builder().shape(new ModelShape(1024, 128, 64, 2, 2)).objective(Objective.MLM).batchSize(8)
        .steps(100).learningRate(3e-3, 3e-4).warmupSteps(10).weightDecay(0.1).gradClip(1.0).seed(1234)
        .checkpointEvery(20).device("cpu").manifestKey("m").encoderFlavor(flavor).build();
  }

  private static String json(TrainingConfig config) {
    return DefaultDataConverter.STANDARD_INSTANCE.toPayload(config).orElseThrow().getData()
        .toString(StandardCharsets.UTF_8);
  }

  private static TrainingConfig roundTrip(TrainingConfig config) {
    return DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
        DefaultDataConverter.STANDARD_INSTANCE.toPayload(config).orElseThrow(), TrainingConfig.class, TrainingConfig.class);
  }
}
