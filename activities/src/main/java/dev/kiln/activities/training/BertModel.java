package dev.kiln.activities.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import dev.kiln.activities.hf.HfModelDirectory;
import dev.kiln.workflows.training.EncoderFlavor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * transformers' BertForMaskedLM and RobertaForMaskedLM, computed the way transformers computes them (eager
 * attention), with every parameter under its transformers name, so that a checkpoint from the Hub loads as it is
 * and Kiln's checkpoints of this model are the tensors transformers would save. Unlike Kiln's {@link EncoderModel}
 * (pre-LN, no token types, a bare tied head), it is post-LN, embeds token types and normalises the embeddings, and
 * its MLM head transforms the hidden states (dense, activation, LayerNorm) before the tied decoder and its own bias.
 * See docs/encoders.md.
 *
 * <p>Keys that are {@link BertArchitecture#padTokenId() padding} are hidden from attention, as transformers hides
 * those its attention_mask marks.
 */
public final class BertModel extends TransformerModel {

  private final BertArchitecture architecture;
  private final BertEmbeddings embeddings;
  private final List<BertLayer> layers = new ArrayList<>();
  private final BertMlmHead head;

  public BertModel(BertArchitecture architecture, double dropout, Device device) {
    super(architecture.flavor().id(), architecture.modelShape(), dropout, device);
    this.architecture = architecture;
    // transformers' initializer_range; BERT does not scale the residual projections down with depth as GPT-2 does.
    this.embeddings = new BertEmbeddings(parameters, architecture, INIT_STD, this.dropout);
    for (int i = 0; i < architecture.layers(); i++) {
      layers.add(new BertLayer(
          parameters, architecture.basePrefix() + "encoder.layer." + i + ".", architecture, INIT_STD, this.dropout));
    }
    this.head = new BertMlmHead(parameters, architecture, embeddings.word(), INIT_STD);
  }

  /** The model Kiln trains from scratch when a config asks for {@code flavor} (see {@link BertArchitecture#forKiln}). */
  public static BertModel forKiln(EncoderFlavor flavor, dev.kiln.workflows.scope.ModelShape shape, double dropout,
      Device device) {
    return new BertModel(BertArchitecture.forKiln(flavor, shape), dropout, device);
  }

  /**
   * The BertForMaskedLM or RobertaForMaskedLM of an opened Hugging Face directory, with its weights (tied ones
   * resolved as transformers resolves them).
   */
  public static BertModel fromHf(HfModelDirectory directory, double dropout, Device device) throws IOException {
    BertModel model = new BertModel(BertArchitecture.of(directory.config()), dropout, device);
    try {
      GradMode.offOnThisThread();
      try (NDManager scratch = model.parameters.manager().newSubManager()) {
        for (Map.Entry<String, NDArray> entry : model.parameters().entrySet()) {
          NDArray target = entry.getValue();
          NamedParameters.copyInto(target, scratch.create(directory.parameter(entry.getKey()), target.getShape()));
        }
      }
      return model;
    } catch (IOException | RuntimeException e) {
      model.close();
      throw e;
    }
  }

  public BertArchitecture architecture() {
    return architecture;
  }

  /**
   * transformers' initialisation, reproducible from the seed: N(0, 0.02²) matrices, zero biases, unit gains, and the
   * padding rows (word embeddings; RoBERTa's position embeddings too) zero, as nn.Embedding's padding_idx starts them.
   */
  @Override
  public void initialise(long seed) {
    super.initialise(seed);
    int pad = architecture.padTokenId();
    if (pad >= 0) {
      Map<String, NDArray> all = parameters();
      String e = architecture.basePrefix() + "embeddings.";
      all.get(e + "word_embeddings.weight").set(new NDIndex("{}", pad), 0f);
      if (architecture.flavor() == EncoderFlavor.ROBERTA) {
        all.get(e + "position_embeddings.weight").set(new NDIndex("{}", pad), 0f);
      }
    }
  }

  /** The last layer's hidden states [rows, length, hidden] of token ids [rows x length] (no head). */
  public NDArray hiddenStates(NDManager step, int[] tokens, int rows, int length, boolean training) {
    checkLength(length);
    NDArray mask = paddingMask(step, tokens, rows, length);
    NDArray x = embeddings.forward(step, tokens, rows, length, training);
    for (BertLayer layer : layers) {
      x = layer.forward(x, mask, training);
    }
    return x;
  }

  /** MLM logits [rows, length, vocab]: what transformers' model(input_ids).logits gives. */
  public NDArray forward(NDManager step, int[] tokens, int rows, int length, boolean training) {
    return head.forward(hiddenStates(step, tokens, rows, length, training));
  }

  @Override
  public NDArray features(NDManager stepManager, int[] tokens, int rows, int length) {
    return hiddenStates(stepManager, tokens, rows, length, false);
  }

  @Override
  public NDArray logits(NDManager stepManager, TrainingBatch batch, boolean training) {
    return forward(stepManager, batch.inputs(), batch.rows(), batch.inputLength(), training);
  }

  /**
   * MLM's loss on the selected positions only: the head is position-wise, so gathering the hidden states first gives
   * the same logits there as {@link #logits} while transforming ~15 % of the rows. Equal to
   * {@code batch.crossEntropy(logits(...))}.
   */
  @Override
  public NDArray loss(NDManager stepManager, TrainingBatch batch, boolean training) {
    int[] targets = batch.targets();
    long[] positions = new long[batch.predictedPositions()];
    int[] selected = new int[positions.length];
    for (int i = 0, n = 0; i < targets.length; i++) {
      if (targets[i] != TrainingBatch.IGNORED) {
        positions[n] = i;
        selected[n++] = targets[i];
      }
    }
    NDArray hidden = hiddenStates(stepManager, batch.inputs(), batch.rows(), batch.inputLength(), training)
        .reshape(-1, architecture.hiddenSize());
    // Gathering rows is an embedding lookup into the hidden states (differentiable in the table).
    NDArray picked =
        Embedding.embedding(stepManager.create(positions), hidden, SparseFormat.DENSE).singletonOrThrow();
    return TrainingBatch.crossEntropy(head.forward(picked), selected);
  }

  /** [rows, 1, 1, length] hiding the pad keys, or null when there are none (or no pad token). */
  private NDArray paddingMask(NDManager step, int[] tokens, int rows, int length) {
    int pad = architecture.padTokenId();
    float[] values = new float[rows * length];
    boolean any = false;
    for (int i = 0; i < values.length; i++) {
      if (pad >= 0 && tokens[i] == pad) {
        values[i] = AttentionMasks.HIDDEN;
        any = true;
      }
    }
    return any ? step.create(values, new Shape(rows, 1, 1, length)) : null;
  }
}
