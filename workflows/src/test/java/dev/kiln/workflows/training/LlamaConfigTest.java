package dev.kiln.workflows.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The Llama option of a training config: absent, it leaves payloads and hashes as they were; present, it travels. */
class LlamaConfigTest {

  private static final ModelShape SHAPE = new ModelShape(1024, 128, 64, 2, 4);
  private static final LlamaOptions LLAMA = new LlamaOptions(2, 172, 500000.0, 1e-5, true, 0);

  private static TrainingConfig config(LlamaOptions llama) {
    return TrainingConfig.builder().shape(SHAPE).objective(Objective.CLM).batchSize(8).steps(100)
        .learningRate(3e-3, 3e-4).warmupSteps(10).weightDecay(0.1).gradClip(1.0).seed(1234).checkpointEvery(20)
        .device("cpu").manifestKey("m").llama(llama).build();
  }

  private static String json(TrainingConfig config) {
    return DefaultDataConverter.STANDARD_INSTANCE.toPayload(config).orElseThrow().getData()
        .toString(StandardCharsets.UTF_8);
  }

  @Test
  void withoutLlamaTheJsonAndTheHashedTextAreThoseOfBefore() {
    TrainingConfig gpt = config(null);
    assertFalse(json(gpt).contains("llama"), json(gpt));
    assertTrue(gpt.toString().endsWith(", initWeightsKey=null]"), gpt.toString());
    assertEquals(gpt, new TrainingConfig(SHAPE, Objective.CLM, 8, 100, 3e-3, 3e-4, 10, 0.1, 1.0, 0.0, 1234, 20, "cpu",
        "m", null));
  }

  @Test
  void llamaOptionsTravelInTheJsonAndChangeTheHash() {
    TrainingConfig llama = config(LLAMA);
    TrainingConfig read = DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
        DefaultDataConverter.STANDARD_INSTANCE.toPayload(llama).orElseThrow(), TrainingConfig.class, TrainingConfig.class);
    assertEquals(llama, read);
    assertEquals(llama, llama.toBuilder().build());
    assertTrue(llama.toString().endsWith(", initWeightsKey=null, llama=" + LLAMA + "]"), llama.toString());
    assertNotEquals(config(null).hash(), llama.hash());
    TrainingConfig gptRead = DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
        DefaultDataConverter.STANDARD_INSTANCE.toPayload(config(null)).orElseThrow(), TrainingConfig.class,
        TrainingConfig.class);
    assertEquals(config(null), gptRead);
  }

  @Test
  void aLlamaIsACausalLanguageModelOfAFittingShape() {
    assertThrows(IllegalArgumentException.class, () -> config(LLAMA).toBuilder().objective(Objective.MLM).build());
    assertThrows(IllegalArgumentException.class, () -> new LlamaOptions(3, 172, 1e4, 1e-6, false, 0).check(SHAPE));
    assertThrows(IllegalArgumentException.class, () -> new LlamaOptions(2, 172, 0, 1e-6, false, 0));
    LLAMA.check(SHAPE);
    // 1024*64 embedding (tied) + 2 layers * (q,o 64x64 + k,v 32x64 + 3 * 64x172 + 2 norms) + final norm
    assertEquals(1024L * 64 + 2 * (2 * 64 * 64 + 2 * 32 * 64 + 3 * 64 * 172 + 2 * 64) + 64, LLAMA.parameters(SHAPE));
  }
}
