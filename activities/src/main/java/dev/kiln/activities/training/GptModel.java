package dev.kiln.activities.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import dev.kiln.workflows.scope.ModelShape;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A decoder-only GPT in the layout of nanoGPT: token and learned position embeddings, pre-LayerNorm
 * blocks of causal self-attention and a 4x GELU MLP, a final LayerNorm, and an output projection tied to
 * the token embedding. Parameter names and [out, in] weight layouts follow nanoGPT's state_dict.
 *
 * <p>Built from DJL's {@code Linear}, {@code LayerNorm}, {@code Embedding} and {@code Dropout} operators
 * on parameters this class owns, so that every parameter has a stable name for checkpoints and the
 * optimizer. All activations of a forward pass live in the manager of the token array passed in: close
 * that manager after backward to free them.
 */
public final class GptModel implements AutoCloseable {

  private static final float LAYER_NORM_EPSILON = 1e-5f;
  private static final double INIT_STD = 0.02;

  private final ModelShape shape;
  private final float dropout;
  private final NDManager manager;
  private final SortedMap<String, NDArray> parameters = new TreeMap<>();
  private final Map<String, Double> initStd = new HashMap<>();
  private final NDArray tokenEmbedding;
  private final NDArray positionEmbedding;
  private final List<Block> blocks = new ArrayList<>();
  private final LayerNormWeights finalNorm;
  private final Map<Long, NDArray> causalMasks = new HashMap<>();

  public GptModel(ModelShape shape, double dropout, Device device) {
    if (shape.dModel() % shape.heads() != 0) {
      throw new IllegalArgumentException(
          "dModel " + shape.dModel() + " is not divisible by heads " + shape.heads());
    }
    if (dropout < 0 || dropout >= 1) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
    }
    this.shape = shape;
    this.dropout = (float) dropout;
    this.manager = NDManager.newBaseManager(device);
    int d = shape.dModel();
    // GPT-2: residual projections are scaled down so the residual stream's variance does not grow
    // with depth (each block adds two of them).
    double residualStd = INIT_STD / Math.sqrt(2.0 * shape.layers());
    tokenEmbedding = weight("transformer.wte.weight", new Shape(shape.vocabSize(), d), INIT_STD);
    positionEmbedding = weight("transformer.wpe.weight", new Shape(shape.contextLength(), d), INIT_STD);
    for (int i = 0; i < shape.layers(); i++) {
      String prefix = "transformer.h." + i + ".";
      blocks.add(
          new Block(
              layerNorm(prefix + "ln_1"),
              new CausalSelfAttention(
                  linear(prefix + "attn.c_attn", d, 3 * d, INIT_STD),
                  linear(prefix + "attn.c_proj", d, d, residualStd)),
              layerNorm(prefix + "ln_2"),
              new Mlp(
                  linear(prefix + "mlp.c_fc", d, 4 * d, INIT_STD),
                  linear(prefix + "mlp.c_proj", 4 * d, d, residualStd))));
    }
    finalNorm = layerNorm("transformer.ln_f");
  }

  /** A model holding the weights of a {@code model.safetensors} written by {@link #weights()}. */
  public static GptModel load(ModelShape shape, byte[] safetensors, Device device) {
    GptModel model = new GptModel(shape, 0, device);
    try {
      model.loadWeights(safetensors);
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /** GPT-2 initialisation, reproducible from the seed alone (independent of engine and device). */
  public void initialise(long seed) {
    for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
      String name = entry.getKey();
      NDArray parameter = entry.getValue();
      float[] values = new float[Math.toIntExact(parameter.size())];
      Double std = initStd.get(name);
      if (std != null) {
        // One generator per tensor, seeded by its name: adding a layer does not reshuffle the others.
        Random random = new Random(seed ^ (long) name.hashCode() * 0x9E3779B97F4A7C15L);
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) (random.nextGaussian() * std);
        }
      } else if (name.endsWith("weight")) {
        Arrays.fill(values, 1f); // LayerNorm gain; biases stay 0
      }
      parameter.set(values);
    }
  }

  /**
   * Copies weights of the same shape into this model. Every tensor must be present with the expected
   * shape; extra tensors are an error too, so a checkpoint of another architecture is never half-loaded.
   */
  public void loadWeights(byte[] safetensors) {
    try (NDManager scratch = manager.newSubManager()) {
      NDList loaded = NDList.decode(scratch, safetensors);
      Map<String, NDArray> byName = new HashMap<>();
      for (NDArray array : loaded) {
        if (!parameters.containsKey(array.getName())) {
          throw new IllegalArgumentException(
              "Weights contain tensor '" + array.getName() + "' which a GPT of shape " + shape + " does not have");
        }
        byName.put(array.getName(), array);
      }
      for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
        NDArray source = byName.get(entry.getKey());
        NDArray target = entry.getValue();
        if (source == null) {
          throw new IllegalArgumentException("Weights lack tensor '" + entry.getKey() + "' of shape " + target.getShape());
        }
        if (!source.getShape().equals(target.getShape()) || source.getDataType() != target.getDataType()) {
          throw new IllegalArgumentException(
              "Tensor '" + entry.getKey() + "' is " + source.getDataType() + source.getShape()
                  + " but the model of shape " + shape + " needs " + target.getDataType() + target.getShape());
        }
        target.set(source.toByteBuffer());
      }
    }
  }

  /** All parameters as safetensors, named as in nanoGPT's state_dict. */
  public byte[] weights() {
    return new NDList(parameters.values()).encode(NDList.Encoding.SAFETENSORS);
  }

  /** Parameters by name, in name order; the arrays are live (the optimizer updates them in place). */
  public SortedMap<String, NDArray> parameters() {
    return Collections.unmodifiableSortedMap(parameters);
  }

  public long parameterCount() {
    return parameters.values().stream().mapToLong(NDArray::size).sum();
  }

  /** SHA-256 over every parameter's name, shape and bytes, in name order: equal iff bitwise equal. */
  public String parameterHash() {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
        sha256.update(entry.getKey().getBytes(StandardCharsets.UTF_8));
        sha256.update(entry.getValue().getShape().toString().getBytes(StandardCharsets.UTF_8));
        sha256.update(entry.getValue().toByteArray());
      }
      return HexFormat.of().formatHex(sha256.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java runtime has SHA-256", e);
    }
  }

  public ModelShape shape() {
    return shape;
  }

  public Device device() {
    return manager.getDevice();
  }

  /** A manager for the arrays of one step or one evaluation batch, on the model's device. */
  public NDManager newStepManager() {
    return manager.newSubManager();
  }

  /** Token ids as the INT64 [rows, length] array the embedding and the loss expect. */
  public static NDArray tokenArray(NDManager stepManager, int[] tokens, int rows, int length) {
    long[] ids = new long[tokens.length];
    for (int i = 0; i < tokens.length; i++) {
      ids[i] = tokens[i];
    }
    return stepManager.create(ids, new Shape(rows, length));
  }

  /**
   * Next-token logits [batch, time, vocab] for token ids [batch, time]. Dropout is active only when
   * training; its randomness comes from the engine's generator, which the caller seeds.
   */
  public NDArray forward(NDArray tokens, boolean training) {
    long time = tokens.getShape().get(1);
    if (time > shape.contextLength()) {
      throw new IllegalArgumentException(
          "Sequence of " + time + " tokens exceeds the context length " + shape.contextLength());
    }
    NDManager stepManager = tokens.getManager();
    NDArray positions = stepManager.arange(0L, time, 1L, DataType.INT64);
    NDArray x = embed(tokens, tokenEmbedding).add(embed(positions, positionEmbedding));
    x = dropout(x, training);
    // A 0-d tensor in the step manager, alive until after backward (see FINDINGS: mul(Number) is unsafe).
    NDArray attentionScale = stepManager.create((float) (1.0 / Math.sqrt(shape.dModel() / shape.heads())));
    NDArray mask = causalMask(time);
    for (Block block : blocks) {
      x = block.forward(x, attentionScale, mask, training);
    }
    x = finalNorm.apply(x);
    // Weight tying: the output projection is the token embedding, logits = x . wte^T.
    return Linear.linear(x, tokenEmbedding).singletonOrThrow();
  }

  /** Mean next-token cross-entropy in nats over all positions; targets are INT64 like the inputs. */
  public static NDArray crossEntropy(NDArray logits, NDArray targets) {
    long vocab = logits.getShape().get(logits.getShape().dimension() - 1);
    NDArray logProbabilities = logits.reshape(-1, vocab).logSoftmax(-1);
    return logProbabilities.gather(targets.reshape(-1, 1), 1).mean().neg();
  }

  @Override
  public void close() {
    manager.close();
  }

  private final class Block {
    private final LayerNormWeights beforeAttention;
    private final CausalSelfAttention attention;
    private final LayerNormWeights beforeMlp;
    private final Mlp mlp;

    Block(LayerNormWeights beforeAttention, CausalSelfAttention attention, LayerNormWeights beforeMlp, Mlp mlp) {
      this.beforeAttention = beforeAttention;
      this.attention = attention;
      this.beforeMlp = beforeMlp;
      this.mlp = mlp;
    }

    NDArray forward(NDArray x, NDArray attentionScale, NDArray mask, boolean training) {
      x = x.add(attention.forward(beforeAttention.apply(x), attentionScale, mask, training));
      return x.add(mlp.forward(beforeMlp.apply(x), training));
    }
  }

  private final class CausalSelfAttention {
    private final LinearWeights queryKeyValue;
    private final LinearWeights projection;

    CausalSelfAttention(LinearWeights queryKeyValue, LinearWeights projection) {
      this.queryKeyValue = queryKeyValue;
      this.projection = projection;
    }

    NDArray forward(NDArray x, NDArray attentionScale, NDArray mask, boolean training) {
      Shape input = x.getShape(); // [batch, time, dModel]
      NDList qkv = queryKeyValue.apply(x).split(3, 2);
      NDArray query = splitHeads(qkv.get(0));
      NDArray key = splitHeads(qkv.get(1));
      NDArray value = splitHeads(qkv.get(2));
      // [batch, heads, time, time]: row t attends to columns 0..t only, the mask puts -inf above the diagonal.
      NDArray scores = query.matMul(key.transpose(0, 1, 3, 2)).mul(attentionScale).add(mask);
      NDArray weights = dropout(scores.softmax(-1), training);
      NDArray heads = weights.matMul(value); // [batch, heads, time, headSize]
      NDArray merged = heads.transpose(0, 2, 1, 3).reshape(input);
      return dropout(projection.apply(merged), training);
    }

    private NDArray splitHeads(NDArray x) {
      Shape s = x.getShape();
      return x.reshape(s.get(0), s.get(1), shape.heads(), s.get(2) / shape.heads()).transpose(0, 2, 1, 3);
    }
  }

  private final class Mlp {
    private final LinearWeights expand;
    private final LinearWeights project;

    Mlp(LinearWeights expand, LinearWeights project) {
      this.expand = expand;
      this.project = project;
    }

    NDArray forward(NDArray x, boolean training) {
      return dropout(project.apply(Activation.gelu(expand.apply(x))), training);
    }
  }

  private record LinearWeights(NDArray weight, NDArray bias) {
    NDArray apply(NDArray x) {
      return Linear.linear(x, weight, bias).singletonOrThrow();
    }
  }

  private record LayerNormWeights(NDArray gain, NDArray bias) {
    NDArray apply(NDArray x) {
      return LayerNorm.layerNorm(x, gain.getShape(), gain, bias, LAYER_NORM_EPSILON).singletonOrThrow();
    }
  }

  private NDArray dropout(NDArray x, boolean training) {
    return training && dropout > 0 ? Dropout.dropout(x, dropout, true).singletonOrThrow() : x;
  }

  private static NDArray embed(NDArray ids, NDArray table) {
    return Embedding.embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
  }

  /** Cached per sequence length in the model's manager, so no step allocates or leaks one. */
  private NDArray causalMask(long time) {
    return causalMasks.computeIfAbsent(
        time,
        t -> {
          int n = Math.toIntExact(t);
          float[] values = new float[n * n];
          for (int row = 0; row < n; row++) {
            for (int column = row + 1; column < n; column++) {
              values[row * n + column] = Float.NEGATIVE_INFINITY;
            }
          }
          return manager.create(values, new Shape(n, n));
        });
  }

  private LinearWeights linear(String name, int in, int out, double std) {
    return new LinearWeights(weight(name + ".weight", new Shape(out, in), std), register(name + ".bias", new Shape(out)));
  }

  private LayerNormWeights layerNorm(String name) {
    Shape features = new Shape(shape.dModel());
    return new LayerNormWeights(register(name + ".weight", features), register(name + ".bias", features));
  }

  private NDArray weight(String name, Shape arrayShape, double std) {
    initStd.put(name, std);
    return register(name, arrayShape);
  }

  /** Registers a parameter; its values are set by {@link #initialise} or {@link #loadWeights}. */
  private NDArray register(String name, Shape arrayShape) {
    NDArray parameter = manager.zeros(arrayShape, DataType.FLOAT32);
    parameter.setName(name);
    parameter.setRequiresGradient(true);
    parameters.put(name, parameter);
    return parameter;
  }
}
