package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.kiln.workflows.training.EncoderFlavor;

/**
 * The masked-LM head: a dense transform, its activation and LayerNorm, then the decoder, whose weight is the word
 * embedding table (tied, as in the released models) and whose bias is the head's own {@code bias}. BERT names it
 * {@code cls.predictions.{transform.dense, transform.LayerNorm, bias}} and applies hidden_act; RoBERTa names it
 * {@code lm_head.{dense, layer_norm, bias}} and always applies the exact GELU. An untied checkpoint has its own
 * {@code decoder.weight} and {@code decoder.bias}, which transformers then uses instead.
 */
final class BertMlmHead {
  private final LinearWeights dense;
  private final BertActivation activation;
  private final BertLayerNorm norm;
  private final Parameter decoderWeight;
  private final Parameter decoderBias;

  BertMlmHead(NamedParameters p, BertArchitecture a, Parameter wordEmbeddings, double initStd) {
    boolean bert = a.flavor() == EncoderFlavor.BERT;
    String prefix = bert ? "cls.predictions." : "lm_head.";
    int h = a.hiddenSize();
    this.dense = p.linear(prefix + (bert ? "transform.dense" : "dense"), h, h, initStd);
    this.activation = bert ? BertActivation.of(a.hiddenAct()) : BertActivation.GELU;
    this.norm = BertLayerNorm.of(p, prefix + (bert ? "transform.LayerNorm" : "layer_norm"), h, a.layerNormEps());
    Parameter bias = p.bias(prefix + "bias", new Shape(a.vocabSize()));
    if (a.tieWordEmbeddings()) {
      this.decoderWeight = wordEmbeddings;
      this.decoderBias = bias;
    } else {
      LinearWeights decoder = p.linear(prefix + "decoder", h, a.vocabSize(), initStd);
      this.decoderWeight = decoder.weight();
      this.decoderBias = decoder.bias();
    }
  }

  /** Logits [..., vocab] of hidden states [..., hidden]. */
  NDArray forward(NDArray hidden) {
    NDArray x = norm.apply(activation.apply(dense.apply(hidden)));
    return Linear.linear(x, decoderWeight.value(), decoderBias.value()).singletonOrThrow();
  }
}
