package dev.kiln.activities.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;
import java.util.ArrayList;
import java.util.List;

/**
 * A decoder-only Llama, the maths of transformers' {@code LlamaForCausalLM}: token embedding (no learned positions:
 * rotary embeddings in every attention), RMSNorm-before blocks of grouped-query attention and a SwiGLU MLP, a final
 * RMSNorm and an output projection that is the token embedding ({@code tie_word_embeddings}) or its own
 * {@code lm_head}. No biases anywhere.
 *
 * <p>Parameter names and [out, in] layouts are transformers' state_dict ({@code model.embed_tokens.weight},
 * {@code model.layers.N.self_attn.q_proj.weight}, ..., {@code lm_head.weight} when untied), so a
 * {@code model.safetensors} of {@code save_pretrained} loads as it is and Kiln's weights save as one; a tied model
 * has no {@code lm_head.weight}, as transformers saves it. Initialisation is transformers' (N(0, 0.02^2) matrices,
 * norm gains at 1), reproducible from the seed as Kiln's GPT.
 *
 * <p>The shape's dModel is {@code hidden_size}, its context length {@code max_position_embeddings}, which bounds the
 * sequences it reads. The run's dropout is transformers' {@code attention_dropout}: on the attention weights only.
 */
public final class LlamaModel extends CausalDecoder {

  private final LlamaOptions options;
  private final Parameter tokenEmbedding;
  private final Parameter lmHead; // null when tied
  private final List<LlamaBlock> blocks = new ArrayList<>();
  private final RmsNorm finalNorm;

  public LlamaModel(ModelShape shape, LlamaOptions options, double attentionDropout, Device device) {
    super("Llama", checked(shape, options), attentionDropout, device);
    this.options = options;
    int d = shape.dModel();
    int headDim = options.headDim(shape);
    RotaryEmbedding rotary = new RotaryEmbedding(parameters.manager(), headDim, options.ropeTheta());
    tokenEmbedding = parameters.weight("model.embed_tokens.weight", new Shape(shape.vocabSize(), d), INIT_STD);
    for (int i = 0; i < shape.layers(); i++) {
      blocks.add(new LlamaBlock(parameters, "model.layers." + i + ".", d, shape.heads(), options.keyValueHeads(),
          headDim, options.intermediateSize(), options.rmsNormEps(), INIT_STD, rotary, this.dropout));
    }
    finalNorm = RmsNorm.of(parameters, "model.norm", d, options.rmsNormEps());
    lmHead = options.tieWordEmbeddings()
        ? null
        : parameters.weight("lm_head.weight", new Shape(shape.vocabSize(), d), INIT_STD);
  }

  private static ModelShape checked(ModelShape shape, LlamaOptions options) {
    options.check(shape);
    return shape;
  }

  public LlamaOptions options() {
    return options;
  }

  @Override
  public NDArray forward(NDArray tokens, boolean training) {
    NDArray outputWeight = lmHead == null ? tokenEmbedding.value() : lmHead.value();
    return Linear.linear(features(tokens, training), outputWeight).singletonOrThrow();
  }

  @Override
  public NDArray features(NDArray tokens, boolean training) {
    long time = tokens.getShape().get(1);
    checkLength(time);
    NDArray x = Embedding.embedding(tokens, tokenEmbedding.value(), SparseFormat.DENSE).singletonOrThrow();
    NDArray causal = masks.causal(time);
    for (LlamaBlock block : blocks) {
      x = block.forward(x, causal, training);
    }
    return finalNorm.apply(x);
  }
}
