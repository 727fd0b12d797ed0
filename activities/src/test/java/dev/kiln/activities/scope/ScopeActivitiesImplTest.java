package dev.kiln.activities.scope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.training.BertArchitecture;
import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.scope.ModelType;
import dev.kiln.workflows.training.EncoderFlavor;
import dev.kiln.workflows.scope.ScopePlan;
import dev.kiln.workflows.spec.RunSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScopeActivitiesImplTest {
  private final RunSpec bundled = RunSpecLoader.load(Path.of("..", "configs", "tiny-gpt.yaml"));

  @ParameterizedTest
  @CsvSource({
    "classification, encoder, mlm",
    "ner, encoder, mlm",
    "generation, decoder, clm",
    "translation, encoder-decoder, span-corruption",
    "summarization, encoder-decoder, span-corruption",
    "qa, encoder-decoder, span-corruption"
  })
  void theTaskDecidesFamilyAndObjective(String task, String architecture, String objective) {
    ScopePlan plan = new ScopeActivitiesImpl().scope(withTask(bundled, task));
    assertEquals(architecture, plan.architecture().id());
    assertEquals(objective, plan.objective().id());
    assertTrue(plan.architectureReason().length() > 40);
  }

  @ParameterizedTest
  @CsvSource({"generation, gpt2", "classification, bert", "summarization, t5-v1_1"})
  void eachFamilyDefaultsToANetworkTransformersLoads(String task, String type) {
    ScopePlan plan = new ScopeActivitiesImpl().scope(withTask(bundled, task));
    assertEquals(type, plan.modelType().id());
    assertTrue(plan.architectureReason().contains("network: " + type + ", the"), plan.architectureReason());
  }

  @Test
  void aNetworkTheSpecNamesIsPlannedAndCountedAsItself() {
    RunSpec llama = new RunSpec(bundled.name(), bundled.useCase(), bundled.budget(), bundled.model(), bundled.data(),
        bundled.curation(), bundled.tokenizer(), bundled.training().withArchitecture("llama"), bundled.evaluation(),
        bundled.resilience());
    ScopePlan plan = new ScopeActivitiesImpl().scope(llama);
    assertEquals(ModelType.LLAMA, plan.modelType());
    assertEquals(LlamaOptions.defaultsFor(plan.shape()).parameters(plan.shape()), plan.parameters());
    assertTrue(plan.sizingReason().contains("parameters as llama"), plan.sizingReason());
    assertEquals(BertArchitecture.forKiln(EncoderFlavor.BERT, plan.shape()).parameterCount(),
        ScopeActivitiesImpl.parameters(ModelType.BERT, plan.shape()));
    assertEquals(plan.shape().parameters(), ScopeActivitiesImpl.parameters(ModelType.GPT2, plan.shape()));
  }

  @Test
  void theBudgetGivesAComputeOptimalSizeAndTheDataItNeeds() {
    ScopePlan plan = new ScopeActivitiesImpl().scope(bundled);
    // C = 1e13 at 20 tokens/parameter: N_opt = sqrt(1e13 / 120) = 288,675; the nearest rung is d=64, 2 layers
    assertEquals(new ModelShape(4096, 128, 64, 2, 2), plan.shape());
    long tokensPerStep = 16 * 128;
    assertEquals((long) (1e13 / (6.0 * plan.parameters())) / tokensPerStep, plan.steps());
    assertEquals(plan.steps() * tokensPerStep, plan.trainingTokens());
    assertEquals((long) Math.ceil(plan.trainingTokens() / 0.05), plan.rawTokensNeeded());
    assertTrue(plan.sizingReason().contains("N_opt"), plan.sizingReason());
  }

  @Test
  void aLargerBudgetPicksALargerModel() {
    double small = ComputeOptimalSizing.shapeFor(1e15, 20, 32000, 1024).parameters();
    double large = ComputeOptimalSizing.shapeFor(1e19, 20, 32000, 1024).parameters();
    assertTrue(large > 10 * small, small + " vs " + large);
    assertEquals(Math.sqrt(1e19 / 120), ComputeOptimalSizing.optimalParameters(1e19, 20), 1e-6);
  }

  @Test
  void aShapeGivenInTheSpecIsKept() {
    RunSpec.TrainingSpec t = bundled.training();
    RunSpec fixed = new RunSpec(bundled.name(), bundled.useCase(), bundled.budget(), bundled.model(), bundled.data(),
        bundled.curation(), bundled.tokenizer(),
        new RunSpec.TrainingSpec(t.contextLength(), t.batchSize(), 300, 128, 4, 4, t.learningRate(), t.minLearningRate(),
            t.warmupSteps(), t.weightDecay(), t.gradClip(), t.dropout(), t.seed(), t.checkpointEvery(), t.segmentSteps(), t.device()),
        bundled.evaluation(), bundled.resilience());
    ScopePlan plan = new ScopeActivitiesImpl().scope(fixed);
    assertEquals(new ModelShape(4096, 128, 128, 4, 4), plan.shape());
    assertEquals(300, plan.steps());
  }

  private static RunSpec withTask(RunSpec s, String task) {
    return new RunSpec(s.name(), new RunSpec.UseCase(task, null, List.of("en")), s.budget(), s.model(), s.data(),
        s.curation(), s.tokenizer(), s.training(), s.evaluation(), s.resilience());
  }
}
