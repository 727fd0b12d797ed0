package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.kiln.workflows.scope.ModelShape;

/**
 * What span corruption's evaluation needs of an encoder-decoder, whichever it is ({@link EncoderDecoderModel} or
 * {@link T5Model}): teacher-forced logits, and encoding once then decoding step by step for greedy decoding.
 */
public interface Seq2SeqModel {

  /** The encoder's output [batch, source, dModel]; paddingMask [batch, 1, 1, source] may be null. */
  NDArray encode(NDArray tokens, NDArray paddingMask, boolean training);

  /** Logits [batch, time, vocab] of the decoder's input [batch, time] given the encoder's output. */
  NDArray decode(NDArray decoderTokens, NDArray memory, NDArray memoryPaddingMask, boolean training);

  /** Logits [rows, target length, vocab] of a batch (see {@link TransformerModel#logits}). */
  NDArray logits(NDManager stepManager, TrainingBatch batch, boolean training);

  /** A manager for one batch's arrays, on the model's device. */
  NDManager newStepManager();

  ModelShape shape();
}
