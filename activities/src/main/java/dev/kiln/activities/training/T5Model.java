package dev.kiln.activities.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import java.util.ArrayList;
import java.util.List;

/**
 * T5 as transformers' {@code T5ForConditionalGeneration} computes it (v1.0 and v1.1), so that a checkpoint of either
 * continues its pretraining in Kiln and Kiln's T5 runs are T5s. Parameters carry transformers' names and layouts
 * ({@code shared.weight}, {@code encoder.block.0.layer.0.SelfAttention.q.weight}, ..., {@code lm_head.weight} when
 * untied), nn.Linear's [out, in], so a Kiln checkpoint of it is a transformers state dict. What differs from Kiln's
 * {@link EncoderDecoderModel}: relative position buckets instead of learned positions, RMS layer norms without
 * biases, no biases at all, unscaled attention scores, heads of width {@code d_kv}, T5's feed-forwards and
 * initialisation, dropout after the embedding and the final norm, and the {@code d_model^-0.5} scaling of a tied
 * output.
 */
public final class T5Model extends TransformerModel implements Seq2SeqModel {
  private final T5Architecture architecture;
  private final Parameter shared;
  private final Parameter lmHead; // null when tied to shared
  private final T5Stack encoder;
  private final T5Stack decoder;
  private final List<Parameter> norms = new ArrayList<>();

  public T5Model(T5Architecture architecture, double dropout, Device device) {
    super("T5", architecture.shape(), dropout, device);
    this.architecture = architecture;
    Shape embedding = new Shape(architecture.vocabSize(), architecture.dModel());
    shared = parameters.weight("shared.weight", embedding, 1.0);
    lmHead = architecture.tiedHead() ? null : parameters.weight("lm_head.weight", embedding, 1.0);
    encoder = new T5Stack(parameters, "encoder", architecture, this.dropout, norms);
    decoder = new T5Stack(parameters, "decoder", architecture, this.dropout, norms);
  }

  public T5Architecture architecture() {
    return architecture;
  }

  /** T5's initialisation (see the layers), reproducible from the seed: matrices random, layer norms 1. */
  @Override
  public void initialise(long seed) {
    super.initialise(seed);
    for (Parameter norm : norms) {
      try (NDArray ones = parameters.manager().ones(norm.shape(), DataType.FLOAT32)) {
        NamedParameters.copyInto(norm.value(), ones);
      }
    }
  }

  /** The encoder's output [batch, source, d_model]; paddingMask [batch, 1, 1, source] may be null. */
  public NDArray encode(NDArray tokens, NDArray paddingMask, boolean training) {
    checkLength(tokens.getShape().get(1));
    return encoder.forward(embed(tokens), paddingMask, null, null, training);
  }

  /** Logits [batch, time, vocab] of the decoder's input [batch, time] given the encoder's output. */
  public NDArray decode(NDArray decoderTokens, NDArray memory, NDArray memoryPaddingMask, boolean training) {
    long time = decoderTokens.getShape().get(1);
    checkLength(time);
    NDArray x = decoder.forward(embed(decoderTokens), masks.causal(time), memory, memoryPaddingMask, training);
    if (architecture.scaleDecoderOutputs()) {
      x = x.mul(x.getManager().create((float) Math.pow(architecture.dModel(), -0.5)));
    }
    return Linear.linear(x, lmHead == null ? shared.value() : lmHead.value()).singletonOrThrow();
  }

  @Override
  public NDArray features(NDManager stepManager, int[] tokens, int rows, int length) {
    NDArray padding = padding(stepManager, tokens, rows, length);
    return encode(TrainingBatch.tokenArray(stepManager, tokens, rows, length), padding, false);
  }

  @Override
  public NDArray logits(NDManager stepManager, TrainingBatch batch, boolean training) {
    NDArray inputs = TrainingBatch.tokenArray(stepManager, batch.inputs(), batch.rows(), batch.inputLength());
    NDArray padding = padding(stepManager, batch.inputs(), batch.rows(), batch.inputLength());
    NDArray decoderInputs =
        TrainingBatch.tokenArray(stepManager, batch.decoderInputs(), batch.rows(), batch.decoderLength());
    return decode(decoderInputs, encode(inputs, padding, training), padding, training);
  }

  private NDArray embed(NDArray tokens) {
    return Embedding.embedding(tokens, shared.value(), SparseFormat.DENSE).singletonOrThrow();
  }

  /** [rows, 1, 1, length] hiding the architecture's pad id, or null when there is none. */
  private NDArray padding(NDManager stepManager, int[] tokens, int rows, int length) {
    float[] values = new float[rows * length];
    boolean any = false;
    for (int i = 0; i < values.length; i++) {
      if (tokens[i] == architecture.padTokenId()) {
        values[i] = AttentionMasks.HIDDEN;
        any = true;
      }
    }
    return any ? stepManager.create(values, new Shape(rows, 1, 1, length)) : null;
  }
}
