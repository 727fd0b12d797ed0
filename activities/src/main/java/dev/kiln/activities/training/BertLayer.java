package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;

/**
 * transformers' BertLayer: attention (with its own residual and LayerNorm), then intermediate dense + hidden_act and
 * output dense + dropout + residual + LayerNorm. Names under {@code encoder.layer.i.}: {@code attention.self.{query,
 * key,value}}, {@code attention.output.{dense,LayerNorm}}, {@code intermediate.dense}, {@code output.{dense,LayerNorm}}.
 */
final class BertLayer {
  private final BertAttention attention;
  private final LinearWeights intermediate;
  private final BertActivation activation;
  private final LinearWeights output;
  private final BertLayerNorm outputNorm;
  private final DropoutRate dropout;

  BertLayer(NamedParameters p, String prefix, BertArchitecture a, double initStd, DropoutRate dropout) {
    this.attention = new BertAttention(p, prefix + "attention.", a, initStd, dropout);
    this.intermediate = p.linear(prefix + "intermediate.dense", a.hiddenSize(), a.intermediateSize(), initStd);
    this.activation = BertActivation.of(a.hiddenAct());
    this.output = p.linear(prefix + "output.dense", a.intermediateSize(), a.hiddenSize(), initStd);
    this.outputNorm = BertLayerNorm.of(p, prefix + "output.LayerNorm", a.hiddenSize(), a.layerNormEps());
    this.dropout = dropout;
  }

  NDArray forward(NDArray x, NDArray mask, boolean training) {
    NDArray attended = attention.forward(x, mask, training);
    NDArray inner = activation.apply(intermediate.apply(attended));
    return outputNorm.apply(dropout.apply(output.apply(inner), training).add(attended));
  }
}
