package dev.kiln.activities.training;

import dev.kiln.activities.hf.T5Config;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.T5Variant;
import java.util.List;

/**
 * The sizes and switches of a {@link T5Model}, in T5's own terms. T5 needs more than a {@link ModelShape}: its heads
 * are {@code d_kv} wide whatever {@code d_model} is, its feed-forward width is free, its positions are relative
 * (bucketed) rather than learned per position, and the v1.0 and v1.1 recipes differ in the feed-forward, in the
 * output projection and in scaling the decoder's output.
 *
 * @param contextLength the longest input Kiln feeds it; T5 itself has no limit (its buckets saturate)
 * @param activation the feed-forward's activation: relu, gelu_new (tanh approximation), gelu (erf) or silu
 * @param gated the feed-forward is {@code wo(act(wi_0 x) · wi_1 x)} (v1.1) rather than {@code wo(act(wi x))}
 * @param tiedHead the logits are the decoder's output times {@code shared.weight}; otherwise {@code lm_head.weight}
 * @param scaleDecoderOutputs the decoder's output is multiplied by {@code d_model^-0.5} before the logits
 * @param padTokenId the id the attention masks hide in the encoder's input (T5's 0, Kiln's tokenizer's 1)
 */
public record T5Architecture(
    int vocabSize,
    int contextLength,
    int dModel,
    int dKv,
    int dFf,
    int encoderLayers,
    int decoderLayers,
    int heads,
    int relativeBuckets,
    int relativeMaxDistance,
    float layerNormEpsilon,
    String activation,
    boolean gated,
    boolean tiedHead,
    boolean scaleDecoderOutputs,
    int padTokenId) {

  static final List<String> ACTIVATIONS = List.of("relu", "gelu_new", "gelu", "silu");

  public T5Architecture {
    if (!ACTIVATIONS.contains(activation)) {
      throw new IllegalArgumentException("T5 activation '" + activation + "' is not one of " + ACTIVATIONS);
    }
    if (relativeBuckets < 4 || relativeMaxDistance <= relativeBuckets / 4) {
      throw new IllegalArgumentException("T5 needs at least 4 relative buckets and a max distance above buckets/4, got "
          + relativeBuckets + " and " + relativeMaxDistance);
    }
  }

  /**
   * The T5 a Kiln run trains from scratch at {@code shape}: heads of {@code dModel / heads}, as many decoder as
   * encoder blocks, T5's 32 buckets up to distance 128 and ε 1e-6, and the feed-forward widths of T5-small's two
   * recipes (v1.0: 4·d_model with relu; v1.1: 2·d_model, gated gelu_new). Pad is Kiln's tokenizer's.
   */
  public static T5Architecture of(ModelShape shape, T5Variant variant) {
    boolean v11 = variant == T5Variant.V1_1;
    return new T5Architecture(shape.vocabSize(), shape.contextLength(), shape.dModel(), shape.dModel() / shape.heads(),
        (v11 ? 2 : 4) * shape.dModel(), shape.layers(), shape.layers(), shape.heads(), 32, 128, 1e-6f,
        v11 ? "gelu_new" : "relu", v11, !v11, !v11, TrainingBatch.PAD);
  }

  /**
   * The architecture of a transformers config.json. {@code tiedHead} is whether the checkpoint leaves
   * {@code lm_head.weight} out (transformers then ties it to {@code shared}); see {@link T5HfWeights}.
   */
  public static T5Architecture of(T5Config config, int contextLength, boolean tiedHead) {
    return new T5Architecture(config.vocabSize(), contextLength, config.dModel(), config.dKv(), config.dFf(),
        config.numLayers(), config.numDecoderLayers(), config.numHeads(), config.relativeAttentionNumBuckets(),
        config.relativeAttentionMaxDistance(), (float) config.layerNormEpsilon(), config.denseActFn(),
        config.gatedAct(), tiedHead, config.scaleDecoderOutputs(), config.padTokenId() == null ? 0 : config.padTokenId());
  }

  /**
   * Parameters of the model: the shared embedding (and lm_head when untied), per stack a bias table, four
   * attention matrices per attention and the feed-forward's two or three, one layer-norm weight per sub-layer and
   * the final one. (Kiln's {@code ModelShape.parameters} counts its own encoder-decoder, which differs.)
   */
  public long parameterCount() {
    long d = dModel;
    long attention = 4L * d * innerDim();
    long feedForward = (gated ? 3L : 2L) * d * dFf;
    long table = (long) relativeBuckets * heads;
    long encoder = table + encoderLayers * (attention + feedForward + 2 * d) + d;
    long decoder = table + decoderLayers * (2 * attention + feedForward + 3 * d) + d;
    return (tiedHead ? 1L : 2L) * vocabSize * d + encoder + decoder;
  }

  /** Width of the attention projections: heads × d_kv. */
  public int innerDim() {
    return heads * dKv;
  }

  /** The {@link ModelShape} Kiln's checkpoints and length checks see: the encoder's layer count. */
  public ModelShape shape() {
    return new ModelShape(vocabSize, contextLength, dModel, encoderLayers, heads);
  }
}
