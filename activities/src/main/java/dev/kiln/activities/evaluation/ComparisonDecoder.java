package dev.kiln.activities.evaluation;

import ai.djl.Device;
import dev.kiln.activities.training.GptModel;
import dev.kiln.activities.training.PretrainingObjective;
import dev.kiln.activities.training.Trainer;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import java.util.function.IntConsumer;

/**
 * The decoder an encoder's features are compared with: a GPT of the run's shape (d_model, layers, heads,
 * context; the tokenizer's vocabulary, without the run's reserved tokens) pretrained with causal LM on the
 * same training tokens with the same budget (steps, batch, learning-rate schedule, optimizer, seed). The
 * seed's claim that an encoder suits classification better than a decoder is then measured by one probe on
 * both, with nothing else different.
 *
 * <p>An experiment a run opts into ({@code evaluation.compareWithDecoder}): it trains for the run's whole budget inside
 * the evaluation activity, without checkpoints, so it is not durable as the run's own training is.
 */
public final class ComparisonDecoder implements AutoCloseable {

  private final Trainer trainer;
  private final TrainingConfig config;
  private final double finalLoss;

  private ComparisonDecoder(Trainer trainer, TrainingConfig config, double finalLoss) {
    this.trainer = trainer;
    this.config = config;
    this.finalLoss = finalLoss;
  }

  /**
   * The run's config turned into the comparison decoder's: objective CLM, the model vocabulary without the
   * reserved tokens of the run's objective, everything else equal.
   */
  public static TrainingConfig configFor(TrainingConfig run) {
    ModelShape shape = run.shape();
    ModelShape decoder = shape.withVocabSize(shape.vocabSize() - run.objective().reservedTokens(shape.contextLength()));
    return run.toBuilder().shape(decoder).objective(Objective.CLM).initWeightsKey(null).encoderFlavor(null).build();
  }

  /**
   * Trains the comparison decoder of a run.
   *
   * @param progress called with each step taken, e.g. to heartbeat
   * @param whileWaiting called while a training elsewhere in this JVM holds the engine, e.g. to heartbeat that
   */
  public static ComparisonDecoder train(
      TrainingConfig run, int[] trainTokens, Device device, IntConsumer progress, Runnable whileWaiting) {
    TrainingConfig config = configFor(run);
    PretrainingObjective batches =
        PretrainingObjective.of(Objective.CLM, trainTokens, config.shape(), config.batchSize(), config.seed());
    Trainer trainer = new Trainer(config.shape(), config, device);
    trainer.whileWaitingForEngine(whileWaiting);
    try {
      trainer.initialise();
      double loss = Double.NaN;
      for (int step = 0; step < config.steps(); step++) {
        loss = trainer.trainStep(step, batches.batch(step));
        progress.accept(step + 1);
      }
      return new ComparisonDecoder(trainer, config, loss);
    } catch (RuntimeException e) {
      trainer.close();
      throw e;
    }
  }

  public GptModel model() {
    return (GptModel) trainer.model();
  }

  public TrainingConfig config() {
    return config;
  }

  /** The training loss of its last step. */
  public double finalLoss() {
    return finalLoss;
  }

  @Override
  public void close() {
    trainer.close();
  }
}
