package dev.kiln.activities.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.MlpActivation;
import java.util.ArrayList;
import java.util.List;

/**
 * A decoder-only GPT in the layout of nanoGPT: token and learned position embeddings, pre-LayerNorm blocks
 * of causal self-attention and a 4x GELU MLP, a final LayerNorm, and an output projection tied to the token
 * embedding. Parameter names and [out, in] weight layouts follow nanoGPT's state_dict.
 *
 * <p>With {@link MlpActivation#GELU_TANH} it is GPT-2's maths exactly (Hugging Face's {@code GPT2LMHeadModel} with
 * {@code activation_function: gelu_new}); with the default exact GELU, that model with {@code activation_function: gelu}.
 */
public final class GptModel extends CausalDecoder {

  private final Parameter tokenEmbedding;
  private final Parameter positionEmbedding;
  private final List<TransformerBlock> blocks = new ArrayList<>();
  private final LayerNormWeights finalNorm;
  private final MlpActivation activation;

  /** A GPT with the exact GELU, as every run trained before the activation could be chosen. */
  public GptModel(ModelShape shape, double dropout, Device device) {
    this(shape, dropout, device, MlpActivation.GELU);
  }

  public GptModel(ModelShape shape, double dropout, Device device, MlpActivation activation) {
    super("GPT", shape, dropout, device);
    this.activation = activation;
    int d = shape.dModel();
    double residualStd = INIT_STD / Math.sqrt(2.0 * shape.layers()); // two residual projections per block
    tokenEmbedding = parameters.weight("transformer.wte.weight", new Shape(shape.vocabSize(), d), INIT_STD);
    positionEmbedding = parameters.weight("transformer.wpe.weight", new Shape(shape.contextLength(), d), INIT_STD);
    for (int i = 0; i < shape.layers(); i++) {
      blocks.add(new TransformerBlock(
          parameters, "transformer.h." + i + ".", d, shape.heads(), INIT_STD, residualStd, false, this.dropout, activation));
    }
    finalNorm = parameters.layerNorm("transformer.ln_f", d);
  }

  public MlpActivation activation() {
    return activation;
  }

  @Override
  public NDArray forward(NDArray tokens, boolean training) {
    // Weight tying: the output projection is the token embedding, logits = x . wte^T.
    return Linear.linear(features(tokens, training), tokenEmbedding.value()).singletonOrThrow();
  }

  @Override
  public NDArray features(NDArray tokens, boolean training) {
    NDArray x = embed(tokens, tokenEmbedding.value(), positionEmbedding.value(), training);
    NDArray causal = masks.causal(tokens.getShape().get(1));
    for (TransformerBlock block : blocks) {
      x = block.forward(x, causal, training);
    }
    return finalNorm.apply(x);
  }
}
