package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * One batch of any objective, row-major. {@code inputs} is what the model reads (the decoder's input for a
 * GPT, the encoder's for the others); {@code decoderInputs} is the decoder's input of an encoder-decoder
 * (the targets shifted right), empty otherwise. {@code targets} has one id per predicted position, or
 * {@link #IGNORED} where no loss is taken (MLM's unselected tokens).
 */
public record TrainingBatch(
    int rows, int inputLength, int[] inputs, int decoderLength, int[] decoderInputs, int[] targets) {

  /** ByteLevelBpeTrainer's {@code <|pad|>} id; T5 also starts decoding from its pad token. */
  public static final int PAD = 1;
  public static final int IGNORED = -1;

  public TrainingBatch {
    int targetLength = decoderLength > 0 ? decoderLength : inputLength;
    if (inputs.length != rows * inputLength || decoderInputs.length != rows * decoderLength
        || targets.length != rows * targetLength) {
      throw new IllegalArgumentException("Batch arrays do not match rows " + rows + " x lengths " + inputLength
          + "/" + decoderLength);
    }
  }

  /** A batch for a model that reads one sequence (GPT, encoder). */
  public static TrainingBatch of(int rows, int length, int[] inputs, int[] targets) {
    return new TrainingBatch(rows, length, inputs, 0, new int[0], targets);
  }

  public int targetLength() {
    return decoderLength > 0 ? decoderLength : inputLength;
  }

  /** How many positions carry a loss. */
  public int predictedPositions() {
    int n = 0;
    for (int target : targets) {
      if (target != IGNORED) {
        n++;
      }
    }
    return n;
  }

  /** Token ids as the INT64 [rows, length] array the embedding and the loss expect. */
  public static NDArray tokenArray(NDManager stepManager, int[] tokens, int rows, int length) {
    long[] ids = new long[tokens.length];
    for (int i = 0; i < tokens.length; i++) {
      ids[i] = tokens[i];
    }
    return stepManager.create(ids, new Shape(rows, length));
  }

  /**
   * Mean cross-entropy in nats over the positions that have a target. The weights (1 / count where a target
   * exists, else 0) are made on the host, so no scalar operand enters the autograd graph.
   */
  public NDArray crossEntropy(NDArray logits) {
    return crossEntropy(logits, targets);
  }

  /**
   * Rows {@code [from, to)} of this batch, as a batch of their own: what one replica of a data-parallel step
   * computes (see {@link DataParallelReplicas}).
   */
  public TrainingBatch rows(int from, int to) {
    if (from < 0 || to > rows || from >= to) {
      throw new IllegalArgumentException("Rows [" + from + ", " + to + ") are not within the batch's " + rows);
    }
    int targetLength = targetLength();
    return new TrainingBatch(to - from, inputLength,
        java.util.Arrays.copyOfRange(inputs, from * inputLength, to * inputLength),
        decoderLength,
        java.util.Arrays.copyOfRange(decoderInputs, from * decoderLength, to * decoderLength),
        java.util.Arrays.copyOfRange(targets, from * targetLength, to * targetLength));
  }

  /**
   * Mean cross-entropy in nats of logits [..., vocab] against one target id per logits row, skipping
   * {@link #IGNORED} targets.
   */
  public static NDArray crossEntropy(NDArray logits, int[] targets) {
    NDManager stepManager = logits.getManager();
    int count = 0;
    for (int target : targets) {
      count += target != IGNORED ? 1 : 0;
    }
    if (count == 0) {
      throw new IllegalArgumentException("The batch has no position to predict");
    }
    long[] ids = new long[targets.length];
    float[] weights = new float[targets.length];
    for (int i = 0; i < targets.length; i++) {
      if (targets[i] != IGNORED) {
        ids[i] = targets[i];
        weights[i] = 1f / count;
      }
    }
    long vocab = logits.getShape().get(logits.getShape().dimension() - 1);
    NDArray logProbabilities = logits.reshape(-1, vocab).logSoftmax(-1);
    NDArray picked = logProbabilities.gather(stepManager.create(ids, new Shape(ids.length, 1)), 1).reshape(-1);
    return picked.mul(stepManager.create(weights)).sum().neg();
  }
}
