package dev.kiln.activities.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ComparisonDecoderTest {

  private static final int TOKENIZER_VOCAB = 64;

  @Test
  void theDecoderGetsTheRunsShapeAndBudgetWithoutTheReservedTokens() {
    ModelShape shape = new ModelShape(Objective.SPAN_CORRUPTION.modelVocabSize(TOKENIZER_VOCAB, 64), 64, 48, 3, 4);
    TrainingConfig run = new TrainingConfig(
        shape, Objective.SPAN_CORRUPTION, 12, 345, 2e-3, 2e-4, 30, 0.05, 0.5, 0.1, 99L, 100, "cpu", "runs/r/curated/manifest.json", "hub/x");
    TrainingConfig decoder = ComparisonDecoder.configFor(run);
    assertEquals(new ModelShape(TOKENIZER_VOCAB, 64, 48, 3, 4), decoder.shape());
    assertEquals(Objective.CLM, decoder.objective());
    assertEquals(List.of(12, 345, 30, 99L), List.of(decoder.batchSize(), decoder.steps(), decoder.warmupSteps(), decoder.seed()));
    assertEquals(List.of(2e-3, 2e-4, 0.05, 0.5, 0.1),
        List.of(decoder.learningRate(), decoder.minLearningRate(), decoder.weightDecay(), decoder.gradClip(), decoder.dropout()));
    assertEquals(null, decoder.initWeightsKey(), "from scratch, like the run it is compared with");
  }

  @Test
  void trainsEveryStepOfTheBudgetAndLearns() {
    ModelShape shape = new ModelShape(Objective.MLM.modelVocabSize(TOKENIZER_VOCAB, 16), 16, 32, 1, 2);
    TrainingConfig run = new TrainingConfig(shape, Objective.MLM, 8, 40, 1e-2, 1e-3, 4, 0.0, 1.0, 0.0, 5L, 40, "cpu", "m", null);
    int[] stream = new int[4_000];
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < stream.length; i++) {
      stream[i] = i % 4 == 0 ? 2 + random.nextInt(TOKENIZER_VOCAB - 2) : 7; // mostly one token: easy to learn
    }
    List<Integer> steps = new ArrayList<>();
    try (ComparisonDecoder decoder = ComparisonDecoder.train(run, stream, Device.cpu(), steps::add, () -> {})) {
      assertEquals(40, steps.size());
      assertEquals(40, steps.get(39));
      assertEquals(TOKENIZER_VOCAB, decoder.model().shape().vocabSize());
      assertTrue(decoder.finalLoss() < 0.8 * Math.log(TOKENIZER_VOCAB), "final loss " + decoder.finalLoss());
    }
  }
}
