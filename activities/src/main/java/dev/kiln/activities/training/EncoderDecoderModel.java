package dev.kiln.activities.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.MlpActivation;
import java.util.ArrayList;
import java.util.List;

/**
 * An encoder-decoder in the manner of T5: a bidirectional encoder reads the corrupted input; the decoder
 * runs causal self-attention over what it has written so far and cross-attends to the encoder's output.
 * Encoder and decoder share the token embedding, which is also the output projection (as T5). Each has
 * {@code layers} blocks. Unlike T5 (relative position biases, RMSNorm without biases) this uses learned
 * absolute positions and LayerNorm, so it shares its building blocks with the GPT.
 */
public final class EncoderDecoderModel extends TransformerModel implements Seq2SeqModel {

  private final Parameter tokenEmbedding;
  private final Parameter encoderPositions;
  private final Parameter decoderPositions;
  private final List<TransformerBlock> encoderBlocks = new ArrayList<>();
  private final List<TransformerBlock> decoderBlocks = new ArrayList<>();
  private final LayerNormWeights encoderNorm;
  private final LayerNormWeights decoderNorm;

  public EncoderDecoderModel(ModelShape shape, double dropout, Device device) {
    super("encoder-decoder", shape, dropout, device);
    int d = shape.dModel();
    int heads = shape.heads();
    // Residual projections per stack: two per encoder block, three per decoder block (cross-attention).
    double encoderResidualStd = INIT_STD / Math.sqrt(2.0 * shape.layers());
    double decoderResidualStd = INIT_STD / Math.sqrt(3.0 * shape.layers());
    tokenEmbedding = parameters.weight("shared.weight", new Shape(shape.vocabSize(), d), INIT_STD);
    encoderPositions = parameters.weight("encoder.wpe.weight", new Shape(shape.contextLength(), d), INIT_STD);
    decoderPositions = parameters.weight("decoder.wpe.weight", new Shape(shape.contextLength(), d), INIT_STD);
    for (int i = 0; i < shape.layers(); i++) {
      encoderBlocks.add(new TransformerBlock(
          parameters, "encoder.h." + i + ".", d, heads, INIT_STD, encoderResidualStd, false, this.dropout, MlpActivation.GELU));
      decoderBlocks.add(new TransformerBlock(
          parameters, "decoder.h." + i + ".", d, heads, INIT_STD, decoderResidualStd, true, this.dropout, MlpActivation.GELU));
    }
    encoderNorm = parameters.layerNorm("encoder.ln_f", d);
    decoderNorm = parameters.layerNorm("decoder.ln_f", d);
  }

  /** The encoder's output [batch, source, dModel] (the decoder's "memory"); paddingMask may be null. */
  public NDArray encode(NDArray tokens, NDArray paddingMask, boolean training) {
    NDArray x = embed(tokens, tokenEmbedding.value(), encoderPositions.value(), training);
    for (TransformerBlock block : encoderBlocks) {
      x = block.forward(x, paddingMask, training);
    }
    return encoderNorm.apply(x);
  }

  /**
   * Next-token logits [batch, time, vocab] of the decoder given its input so far [batch, time] (which starts
   * with {@code <|pad|>}, T5's start token) and the encoder's output.
   */
  public NDArray decode(NDArray decoderTokens, NDArray memory, NDArray memoryPaddingMask, boolean training) {
    NDArray x = embed(decoderTokens, tokenEmbedding.value(), decoderPositions.value(), training);
    NDArray causal = masks.causal(decoderTokens.getShape().get(1));
    for (TransformerBlock block : decoderBlocks) {
      x = block.forward(x, causal, memory, memoryPaddingMask, training);
    }
    return Linear.linear(decoderNorm.apply(x), tokenEmbedding.value()).singletonOrThrow();
  }

  @Override
  public NDArray features(NDManager stepManager, int[] tokens, int rows, int length) {
    NDArray padding = AttentionMasks.padding(stepManager, tokens, rows, length);
    return encode(TrainingBatch.tokenArray(stepManager, tokens, rows, length), padding, false);
  }

  @Override
  public NDArray logits(NDManager stepManager, TrainingBatch batch, boolean training) {
    NDArray inputs = TrainingBatch.tokenArray(stepManager, batch.inputs(), batch.rows(), batch.inputLength());
    NDArray padding = AttentionMasks.padding(stepManager, batch.inputs(), batch.rows(), batch.inputLength());
    NDArray decoderInputs =
        TrainingBatch.tokenArray(stepManager, batch.decoderInputs(), batch.rows(), batch.decoderLength());
    return decode(decoderInputs, encode(inputs, padding, training), padding, training);
  }
}
