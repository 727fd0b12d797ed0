package dev.kiln.workflows.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.workflows.scope.ModelShape;
import org.junit.jupiter.api.Test;

/** The T5 hook of a training config: absent, configs read, write and hash as before; present, it is hashed. */
class TrainingConfigT5Test {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static TrainingConfig.Builder span() {
    return TrainingConfig.builder().shape(new ModelShape(1024, 128, 64, 2, 2)).objective(Objective.SPAN_CORRUPTION)
        .batchSize(8).steps(100).learningRate(3e-3, 3e-4).warmupSteps(10).weightDecay(0.1).gradClip(1.0).seed(1234)
        .checkpointEvery(20).device("cpu").manifestKey("m");
  }

  @Test
  void withoutT5TheTextAndTheJsonAreThoseOfBefore() throws Exception {
    TrainingConfig kiln = span().build();
    assertNull(kiln.t5());
    assertTrue(kiln.toString().endsWith(", initWeightsKey=null]"), kiln.toString());
    String json = JSON.writeValueAsString(kiln);
    assertFalse(json.contains("t5"), json);
    assertEquals(kiln, JSON.readValue(json, TrainingConfig.class));
  }

  @Test
  void t5IsHashedAndTravelsAsItsId() throws Exception {
    TrainingConfig kiln = span().build();
    TrainingConfig t5 = span().t5(T5Variant.V1_1).build();
    assertTrue(t5.toString().endsWith(", initWeightsKey=null, t5=t5-v1_1]"), t5.toString());
    assertNotEquals(kiln.hash(), t5.hash());
    assertNotEquals(t5.hash(), span().t5(T5Variant.V1_0).build().hash());
    String json = JSON.writeValueAsString(t5);
    assertTrue(json.contains("\"t5\":\"t5-v1_1\""), json);
    assertEquals(t5, JSON.readValue(json, TrainingConfig.class));
    assertEquals(t5, t5.toBuilder().build());
  }

  @Test
  void onlySpanCorruptionTrainsAT5() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> span().objective(Objective.CLM).t5(T5Variant.V1_0).build());
    assertEquals("t5 t5-v1_0 needs objective span-corruption, not clm", e.getMessage());
  }
}
