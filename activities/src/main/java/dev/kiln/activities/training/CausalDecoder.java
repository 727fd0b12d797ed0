package dev.kiln.activities.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.kiln.workflows.scope.ModelShape;

/**
 * A decoder-only language model (Kiln's GPT, a Llama): next-token logits from token ids, each position seeing only
 * the ones before it. What evaluation, generation and {@code kiln evaluate} need of a CLM model, whatever its blocks.
 */
public abstract class CausalDecoder extends TransformerModel {

  protected CausalDecoder(String kind, ModelShape shape, double dropout, Device device) {
    super(kind, shape, dropout, device);
  }

  /**
   * Next-token logits [batch, time, vocab] for token ids [batch, time]. Dropout is active only when training; its
   * randomness comes from the engine's generator, which the caller seeds.
   */
  public abstract NDArray forward(NDArray tokens, boolean training);

  /** Hidden states [batch, time, dModel] after the final norm; position t has seen tokens 0..t only. */
  public abstract NDArray features(NDArray tokens, boolean training);

  @Override
  public NDArray features(NDManager stepManager, int[] tokens, int rows, int length) {
    return features(TrainingBatch.tokenArray(stepManager, tokens, rows, length), false);
  }

  @Override
  public NDArray logits(NDManager stepManager, TrainingBatch batch, boolean training) {
    return forward(TrainingBatch.tokenArray(stepManager, batch.inputs(), batch.rows(), batch.inputLength()), training);
  }
}
