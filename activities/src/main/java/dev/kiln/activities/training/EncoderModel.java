package dev.kiln.activities.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.MlpActivation;
import java.util.ArrayList;
import java.util.List;

/**
 * An encoder-only masked language model in the manner of BERT/RoBERTa: the GPT's embeddings and pre-LN
 * blocks, but bidirectional (no causal mask, only padding is hidden), so every position sees the whole
 * sequence. The MLM head is the final LayerNorm and the tied token embedding (BERT adds a dense + GELU
 * transform before it; omitted here to keep the three architectures alike).
 */
public final class EncoderModel extends TransformerModel {

  private final Parameter tokenEmbedding;
  private final Parameter positionEmbedding;
  private final List<TransformerBlock> blocks = new ArrayList<>();
  private final LayerNormWeights finalNorm;

  public EncoderModel(ModelShape shape, double dropout, Device device) {
    super("encoder", shape, dropout, device);
    int d = shape.dModel();
    double residualStd = INIT_STD / Math.sqrt(2.0 * shape.layers());
    tokenEmbedding = parameters.weight("encoder.wte.weight", new Shape(shape.vocabSize(), d), INIT_STD);
    positionEmbedding = parameters.weight("encoder.wpe.weight", new Shape(shape.contextLength(), d), INIT_STD);
    for (int i = 0; i < shape.layers(); i++) {
      blocks.add(new TransformerBlock(
          parameters, "encoder.h." + i + ".", d, shape.heads(), INIT_STD, residualStd, false, this.dropout, MlpActivation.GELU));
    }
    finalNorm = parameters.layerNorm("encoder.ln_f", d);
  }

  /**
   * Contextual features [batch, time, dModel] (after the final LayerNorm) of token ids [batch, time];
   * paddingMask (see {@link AttentionMasks#padding}) hides pad keys, or is null.
   */
  public NDArray features(NDArray tokens, NDArray paddingMask, boolean training) {
    NDArray x = embed(tokens, tokenEmbedding.value(), positionEmbedding.value(), training);
    for (TransformerBlock block : blocks) {
      x = block.forward(x, paddingMask, training);
    }
    return finalNorm.apply(x);
  }

  /** Logits [batch, time, vocab] of the token at each position, given the whole (masked) sequence. */
  public NDArray forward(NDArray tokens, NDArray paddingMask, boolean training) {
    return Linear.linear(features(tokens, paddingMask, training), tokenEmbedding.value()).singletonOrThrow();
  }

  @Override
  public NDArray features(NDManager stepManager, int[] tokens, int rows, int length) {
    NDArray padding = AttentionMasks.padding(stepManager, tokens, rows, length);
    return features(TrainingBatch.tokenArray(stepManager, tokens, rows, length), padding, false);
  }

  /**
   * MLM's loss: the output projection (the costliest matmul of this small model, [positions, dModel] x
   * [dModel, vocab]) runs on the selected positions only, ~15 % of them, as BERT's pretraining head does.
   * Equal to {@code batch.crossEntropy(logits(...))}.
   */
  @Override
  public NDArray loss(NDManager stepManager, TrainingBatch batch, boolean training) {
    int[] targets = batch.targets();
    int selected = batch.predictedPositions();
    long[] positions = new long[selected];
    int[] selectedTargets = new int[selected];
    for (int i = 0, n = 0; i < targets.length; i++) {
      if (targets[i] != TrainingBatch.IGNORED) {
        positions[n] = i;
        selectedTargets[n++] = targets[i];
      }
    }
    NDArray tokens = TrainingBatch.tokenArray(stepManager, batch.inputs(), batch.rows(), batch.inputLength());
    NDArray padding = AttentionMasks.padding(stepManager, batch.inputs(), batch.rows(), batch.inputLength());
    NDArray hidden = features(tokens, padding, training).reshape(-1, shape.dModel());
    // Gathering rows of the hidden states is an embedding lookup into them (differentiable in the table).
    NDArray picked = Embedding.embedding(stepManager.create(positions), hidden, SparseFormat.DENSE).singletonOrThrow();
    return TrainingBatch.crossEntropy(Linear.linear(picked, tokenEmbedding.value()).singletonOrThrow(), selectedTargets);
  }

  @Override
  public NDArray logits(NDManager stepManager, TrainingBatch batch, boolean training) {
    NDArray tokens = TrainingBatch.tokenArray(stepManager, batch.inputs(), batch.rows(), batch.inputLength());
    NDArray padding = AttentionMasks.padding(stepManager, batch.inputs(), batch.rows(), batch.inputLength());
    return forward(tokens, padding, training);
  }
}
