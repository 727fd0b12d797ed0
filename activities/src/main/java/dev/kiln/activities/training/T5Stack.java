package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * One of T5's two stacks ({@code encoder} or {@code decoder}): blocks of pre-norm sub-layers, each adding its
 * dropped-out output to the residual stream ({@code x + dropout(f(layer_norm(x)))}), then a final layer norm and
 * dropout. An encoder block is self-attention and the feed-forward ({@code layer.0}, {@code layer.1}); a decoder
 * block is causal self-attention, attention to the encoder's output and the feed-forward ({@code layer.0..2}). The
 * relative position bias is computed once per forward, by block 0's table, and every block adds the same;
 * attention to the encoder's output has none, only the padding mask.
 */
final class T5Stack {
  private final boolean decoder;
  private final T5RelativePositions positions;
  private final List<Block> blocks = new ArrayList<>();
  private final T5LayerNorm finalNorm;
  private final DropoutRate dropout;

  private record Block(
      T5LayerNorm selfNorm, T5Attention self, T5LayerNorm crossNorm, T5Attention cross, T5LayerNorm ffNorm,
      T5FeedForward ff) {}

  /** @param norms collects the layer norms' weights, which start at 1 */
  T5Stack(NamedParameters p, String stack, T5Architecture a, DropoutRate dropout, List<Parameter> norms) {
    this.decoder = stack.equals("decoder");
    this.dropout = dropout;
    int layers = decoder ? a.decoderLayers() : a.encoderLayers();
    Parameter table = p.weight(stack + ".block.0.layer.0.SelfAttention.relative_attention_bias.weight",
        new Shape(a.relativeBuckets(), a.heads()), Math.pow(a.dModel(), -0.5));
    positions = new T5RelativePositions(table, !decoder, a.relativeBuckets(), a.relativeMaxDistance(), p.manager());
    for (int i = 0; i < layers; i++) {
      String layer = stack + ".block." + i + ".layer.";
      T5LayerNorm selfNorm = norm(p, layer + "0.layer_norm", a, norms);
      T5Attention self = new T5Attention(p, layer + "0.SelfAttention", a, dropout);
      T5LayerNorm crossNorm = decoder ? norm(p, layer + "1.layer_norm", a, norms) : null;
      T5Attention cross = decoder ? new T5Attention(p, layer + "1.EncDecAttention", a, dropout) : null;
      String ff = layer + (decoder ? "2" : "1");
      blocks.add(new Block(selfNorm, self, crossNorm, cross, norm(p, ff + ".layer_norm", a, norms),
          new T5FeedForward(p, ff + ".DenseReluDense", a, dropout)));
    }
    finalNorm = norm(p, stack + ".final_layer_norm", a, norms);
  }

  private static T5LayerNorm norm(NamedParameters p, String name, T5Architecture a, List<Parameter> norms) {
    // Registered with a std so NamedParameters keeps it out of its "LayerNorm gain" rule; T5Model sets it to 1.
    Parameter weight = p.weight(name + ".weight", new Shape(a.dModel()), 1.0);
    norms.add(weight);
    return new T5LayerNorm(weight, a.layerNormEpsilon());
  }

  /**
   * The stack's output [batch, time, d_model] from embedded tokens [batch, time, d_model].
   *
   * @param selfMask added to the self-attention scores (the encoder's padding, the decoder's causal mask), or null
   * @param memory the encoder's output for a decoder, else null
   * @param memoryMask hides the encoder's padding from the decoder, or null
   */
  NDArray forward(NDArray embedded, NDArray selfMask, NDArray memory, NDArray memoryMask, boolean training) {
    long time = embedded.getShape().get(1);
    NDArray bias = positions.bias(time, time);
    if (selfMask != null) {
      bias = bias.add(selfMask);
    }
    NDArray x = dropout.apply(embedded, training);
    for (Block block : blocks) {
      NDArray normed = block.selfNorm().apply(x);
      x = x.add(dropout.apply(block.self().forward(normed, normed, bias, training), training));
      if (decoder) {
        NDArray query = block.crossNorm().apply(x);
        x = x.add(dropout.apply(block.cross().forward(query, memory, memoryMask, training), training));
      }
      x = x.add(dropout.apply(block.ff().forward(block.ffNorm().apply(x), training), training));
    }
    return dropout.apply(finalNorm.apply(x), training);
  }
}
