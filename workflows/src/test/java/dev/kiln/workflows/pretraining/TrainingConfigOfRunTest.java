package dev.kiln.workflows.pretraining;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.kiln.workflows.TestSpecs;
import dev.kiln.workflows.curation.CurationResult;
import dev.kiln.workflows.hub.ModelSelection;
import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.scope.ModelType;
import dev.kiln.workflows.scope.ScopePlan;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.training.EncoderFlavor;
import dev.kiln.workflows.training.MlpActivation;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.T5Variant;
import dev.kiln.workflows.training.TrainingConfig;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The network a run trains: the plan's model type from scratch, the continued model's own otherwise; and plans,
 * selections and cards recorded before either named one keep the config (and its hash) they always gave.
 */
class TrainingConfigOfRunTest {
  private static final ModelShape SHAPE = new ModelShape(4000, 128, 64, 2, 2);
  private static final CurationResult CURATION = new CurationResult("m", "t", "s", "r", "f", 4000, 1, 1, 1, 1, 1, 1,
      List.of());
  private static final ModelSelection SCRATCH = new ModelSelection("scratch", null, "why", null, null, null);

  private static ScopePlan plan(Objective objective, ModelType type) {
    return new ScopePlan("task", objective.architecture(), objective, "why", SHAPE, 1, 1, 1, 100, "sizing", type);
  }

  private static RunSpec spec(Objective objective) {
    String task = switch (objective) {
      case CLM -> "generation";
      case MLM -> "classification";
      case SPAN_CORRUPTION -> "summarization";
    };
    return TestSpecs.withTask(TestSpecs.valid(), task);
  }

  private static TrainingConfig config(Objective objective, ModelType type, ModelSelection selection) {
    return PretrainingWorkflowImpl.trainingConfig(spec(objective), plan(objective, type), selection, CURATION);
  }

  @Test
  void aPlanRecordedBeforeModelTypesTrainsKilnsNetworkWithTheSameHash() {
    for (Objective objective : Objective.values()) {
      TrainingConfig recorded = config(objective, null, SCRATCH);
      assertNull(recorded.encoderFlavor());
      assertNull(recorded.t5());
      assertNull(recorded.llama());
      assertEquals(recorded.hash(), config(objective, ModelType.legacyFor(objective.architecture()), SCRATCH).hash());
    }
  }

  @Test
  void fromScratchThePlansNetworkIsTrained() {
    assertEquals(EncoderFlavor.BERT, config(Objective.MLM, ModelType.BERT, SCRATCH).encoderFlavor());
    assertEquals(EncoderFlavor.ROBERTA, config(Objective.MLM, ModelType.ROBERTA, SCRATCH).encoderFlavor());
    assertEquals(T5Variant.V1_1, config(Objective.SPAN_CORRUPTION, ModelType.T5_V1_1, SCRATCH).t5());
    assertEquals(T5Variant.V1_0, config(Objective.SPAN_CORRUPTION, ModelType.T5_V1_0, SCRATCH).t5());
    TrainingConfig llama = config(Objective.CLM, ModelType.LLAMA, SCRATCH);
    assertEquals(176, llama.llama().intermediateSize(), "8/3 x 64, rounded up to a multiple of 8");
    assertEquals(2, llama.llama().keyValueHeads());
    for (ModelType type : ModelType.values()) {
      Objective objective = Arrays.stream(Objective.values())
          .filter(o -> o.architecture() == type.family()).findFirst().orElseThrow();
      assertEquals(type, ModelType.of(config(objective, type, SCRATCH)), "the config trains the plan's " + type);
    }
  }

  @Test
  void aContinuedModelKeepsItsOwnNetworkWhateverThePlanSays() {
    LlamaOptions options = new LlamaOptions(2, 48, 500000.0, 1e-5, true, 0);
    ModelShape shape = new ModelShape(128, 64, 16, 2, 4);
    ModelSelection llama = new ModelSelection("continue", "tiny-llama", "why", "w", "t", shape, ModelType.LLAMA,
        options, null);
    TrainingConfig continued = config(Objective.CLM, ModelType.GPT2, llama);
    assertEquals(options, continued.llama());
    assertEquals(shape, continued.shape());

    ModelSelection gpt2 = new ModelSelection("continue", "gpt2", "why", "w", "t", shape, ModelType.GPT2, null,
        MlpActivation.GELU_TANH);
    assertEquals(MlpActivation.GELU_TANH, config(Objective.CLM, ModelType.LLAMA, gpt2).activation());
    assertNull(config(Objective.CLM, ModelType.LLAMA, gpt2).llama());

    // a card of before (no model type) of an encoder is Kiln's encoder, though the plan now defaults to BERT
    ModelSelection kilnEncoder = new ModelSelection("continue", "enc", "why", "w", "t", SHAPE);
    assertNull(config(Objective.MLM, ModelType.BERT, kilnEncoder).encoderFlavor());
  }
}
