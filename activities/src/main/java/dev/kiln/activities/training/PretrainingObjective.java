package dev.kiln.activities.training;

import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.Objective;

/** Turns the token stream into the training batch of a step; a pure function of (seed, step) for exact resume. */
public interface PretrainingObjective {

  TrainingBatch batch(int step);

  /**
   * @param shape the model's shape; its vocabulary ends with the objective's reserved tokens
   * @throws IllegalArgumentException if the stream is too short for one window
   */
  static PretrainingObjective of(Objective objective, int[] tokens, ModelShape shape, int batchSize, long seed) {
    TokenWindows windows = new TokenWindows(tokens, batchSize, seed);
    return switch (objective) {
      case CLM -> new CausalLanguageModeling(windows, shape.contextLength());
      case MLM -> new MaskedLanguageModeling(windows, shape.contextLength(), shape.vocabSize(), seed);
      case SPAN_CORRUPTION -> new SpanCorruption(windows, shape.contextLength(), shape.vocabSize(), seed);
    };
  }
}
