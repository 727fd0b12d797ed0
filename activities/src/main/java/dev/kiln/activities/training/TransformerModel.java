package dev.kiln.activities.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.MlpActivation;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import java.util.SortedMap;

/**
 * What the architectures share: named parameters (saved as safetensors, keyed by name for the
 * optimizer), GPT-2 initialisation, dropout and attention masks, and the loss of a {@link TrainingBatch}.
 * All activations of a forward pass live in the step manager passed in: close it after backward.
 */
public abstract class TransformerModel implements AutoCloseable {

  static final double INIT_STD = 0.02;

  protected final ModelShape shape;
  protected final NamedParameters parameters;
  protected final DropoutRate dropout;
  protected final AttentionMasks masks;

  protected TransformerModel(String kind, ModelShape shape, double dropout, Device device) {
    if (shape.dModel() % shape.heads() != 0) {
      throw new IllegalArgumentException("dModel " + shape.dModel() + " is not divisible by heads " + shape.heads());
    }
    IntraOpThreads.pin(); // every model trains and evaluates with MKL's dynamic threading off
    this.shape = shape;
    this.dropout = new DropoutRate((float) dropout);
    this.parameters = new NamedParameters("a " + kind + " of shape " + shape, device);
    this.masks = new AttentionMasks(parameters.manager());
  }

  /** The architecture an objective trains: GPT for CLM, encoder for MLM, encoder-decoder for span corruption. */
  public static TransformerModel create(Objective objective, ModelShape shape, double dropout, Device device) {
    return create(objective, shape, dropout, device, MlpActivation.GELU);
  }

  /**
   * As {@link #create(Objective, ModelShape, double, Device)} with the MLP activation of a GPT (null: the exact GELU); encoders and
   * encoder-decoders have the exact GELU only.
   */
  public static TransformerModel create(
      Objective objective, ModelShape shape, double dropout, Device device, MlpActivation activation) {
    MlpActivation mlp = MlpActivation.orDefault(activation);
    if (objective != Objective.CLM && mlp != MlpActivation.GELU) {
      throw new IllegalArgumentException(
          "only a GPT (objective clm) can use the MLP activation " + mlp + "; " + objective + " trains with gelu");
    }
    return switch (objective) {
      case CLM -> new GptModel(shape, dropout, device, mlp);
      case MLM -> new EncoderModel(shape, dropout, device);
      case SPAN_CORRUPTION -> new EncoderDecoderModel(shape, dropout, device);
    };
  }

  /**
   * The model a training config asks for: {@link #create(Objective, ModelShape, double, Device)}, unless the config
   * names a published architecture: a CLM {@link TrainingConfig#llama() Llama}, an MLM {@link
   * TrainingConfig#encoderFlavor() encoder flavor} (transformers' BERT or RoBERTa) or a span-corruption {@link
   * TrainingConfig#t5() T5}.
   */
  public static TransformerModel create(TrainingConfig config, ModelShape shape, Device device) {
    return of(config, shape, config.dropout(), device);
  }

  /** {@link #load(Objective, ModelShape, byte[], Device)} of the model a training config asks for. */
  public static TransformerModel load(TrainingConfig config, ModelShape shape, byte[] safetensors, Device device) {
    TransformerModel model = of(config, shape, 0, device);
    try {
      model.loadWeights(safetensors);
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  private static TransformerModel of(TrainingConfig config, ModelShape shape, double dropout, Device device) {
    if (config.llama() != null) {
      return new LlamaModel(shape, config.llama(), dropout, device);
    }
    if (config.encoderFlavor() != null) {
      return BertModel.forKiln(config.encoderFlavor(), shape, dropout, device);
    }
    if (config.t5() != null) {
      if (config.objective() != Objective.SPAN_CORRUPTION) {
        throw new IllegalArgumentException("t5 " + config.t5() + " trains span corruption, not " + config.objective());
      }
      return new T5Model(T5Architecture.of(shape, config.t5()), dropout, device);
    }
    return create(config.objective(), shape, dropout, device, config.mlpActivation());
  }

  /** A model for inference holding the weights of a {@code model.safetensors} written by {@link #weights()}. */
  public static TransformerModel load(Objective objective, ModelShape shape, byte[] safetensors, Device device) {
    return load(objective, shape, MlpActivation.GELU, safetensors, device);
  }

  /** As {@link #load(Objective, ModelShape, byte[], Device)} with the MLP activation the weights were trained with. */
  public static TransformerModel load(
      Objective objective, ModelShape shape, MlpActivation activation, byte[] safetensors, Device device) {
    TransformerModel model = create(objective, shape, 0, device, activation);
    try {
      model.loadWeights(safetensors);
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /** Logits [rows, target length, vocab] for the positions the batch's targets describe. */
  public abstract NDArray logits(NDManager stepManager, TrainingBatch batch, boolean training);

  /**
   * What a downstream task reads from the frozen model: the last layer's hidden states [rows, length,
   * dModel] of token ids [rows, length] (for the encoder-decoder, its encoder's output).
   */
  public abstract NDArray features(NDManager stepManager, int[] tokens, int rows, int length);

  /** Mean cross-entropy in nats over the batch's predicted positions. */
  public NDArray loss(NDManager stepManager, TrainingBatch batch, boolean training) {
    return batch.crossEntropy(logits(stepManager, batch, training));
  }

  public void initialise(long seed) {
    parameters.initialise(seed);
  }

  public void loadWeights(byte[] safetensors) {
    parameters.load(safetensors);
  }

  /** Copies of all parameters in {@code into}, which encode as {@link #weights()}. */
  NDList weightCopies(NDManager into) {
    return parameters.copies(into);
  }

  /** All parameters as safetensors, by name. */
  public byte[] weights() {
    return parameters.safetensors();
  }

  /**
   * Parameters by name, in name order: live views of the model's one flat buffer (the optimizer updates it in place).
   * Write into one through an index ({@code set(new NDIndex(":"), values)}), never with {@code NDArray.set(Buffer)}.
   */
  public SortedMap<String, NDArray> parameters() {
    return parameters.all();
  }

  /**
   * Starts a training step: from here until {@link #releaseParameters()} the layers read the parameters through a
   * new leaf in {@code stepManager}, so that the step's backward delivers the gradient of all of them as one flat
   * tensor ({@link #parameterGradient()}). Call it inside the step's gradient collector.
   */
  public NDArray bindForTraining(NDManager stepManager) {
    return parameters.bindForTraining(stepManager);
  }

  /** The bound step's gradient of all parameters, laid out as their flat buffer (see {@link AdamW#update}). */
  public NDArray parameterGradient() {
    return parameters.gradient();
  }

  /** Ends a bound training step (call before closing its manager); does nothing when no step is bound. */
  public void releaseParameters() {
    parameters.release();
  }

  public long parameterCount() {
    return parameters.count();
  }

  /** SHA-256 over every parameter's name, shape and bytes: equal iff bitwise equal. */
  public String parameterHash() {
    return parameters.hash();
  }

  public ModelShape shape() {
    return shape;
  }

  public Device device() {
    return parameters.manager().getDevice();
  }

  /** A manager for the arrays of one step or one evaluation batch, on the model's device. */
  public NDManager newStepManager() {
    return parameters.manager().newSubManager();
  }

  protected void checkLength(long length) {
    if (length > shape.contextLength()) {
      throw new IllegalArgumentException(
          "Sequence of " + length + " tokens exceeds the context length " + shape.contextLength());
    }
  }

  /** Token plus learned position embeddings of ids [batch, time], with dropout. */
  protected NDArray embed(NDArray tokens, NDArray tokenEmbedding, NDArray positionEmbedding, boolean training) {
    long time = tokens.getShape().get(1);
    checkLength(time);
    NDArray positions = tokens.getManager().arange(0L, time, 1L, DataType.INT64);
    NDArray x = lookup(tokens, tokenEmbedding).add(lookup(positions, positionEmbedding));
    return dropout.apply(x, training);
  }

  private static NDArray lookup(NDArray ids, NDArray table) {
    return Embedding.embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
  }

  @Override
  public void close() {
    parameters.close();
  }
}
