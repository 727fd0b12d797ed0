package dev.kiln.activities.training;

import dev.kiln.activities.hf.BertConfig;
import dev.kiln.activities.hf.HfModelConfig;
import dev.kiln.activities.hf.RobertaConfig;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.EncoderFlavor;

/**
 * Everything a {@link BertModel} needs that Kiln's {@link ModelShape} does not say: the fields of transformers'
 * BertConfig / RobertaConfig that change the maths. Built from an imported config.json, or from a Kiln shape for a
 * run that trains a BERT or RoBERTa from scratch ({@link #forKiln}).
 *
 * @param padTokenId the id whose keys attention ignores, whose word embedding row starts at zero and (RoBERTa) from
 *     which positions are numbered; -1 when the config has none (BERT's pad_token_id may be null)
 */
public record BertArchitecture(
    EncoderFlavor flavor,
    int vocabSize,
    int hiddenSize,
    int layers,
    int heads,
    int intermediateSize,
    String hiddenAct,
    int maxPositionEmbeddings,
    int typeVocabSize,
    double layerNormEps,
    int padTokenId,
    boolean tieWordEmbeddings) {

  /** transformers' BertConfig and RobertaConfig defaults for both. */
  static final double BERT_EPS = 1e-12;
  static final double ROBERTA_EPS = 1e-5;

  public BertArchitecture {
    if (hiddenSize % heads != 0) {
      throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + heads);
    }
    if (flavor == EncoderFlavor.ROBERTA && padTokenId < 0) {
      throw new IllegalArgumentException("RoBERTa needs a pad_token_id: its positions are numbered from it");
    }
    if (maxSequenceLengthOf(flavor, maxPositionEmbeddings, padTokenId) < 1) {
      throw new IllegalArgumentException(
          "max_position_embeddings " + maxPositionEmbeddings + " leaves no position for RoBERTa, whose start at "
              + (padTokenId + 1));
    }
    BertActivation.of(hiddenAct); // fails early, naming what is supported
  }

  /** The architecture of an imported BertForMaskedLM or RobertaForMaskedLM. */
  public static BertArchitecture of(HfModelConfig config) {
    if (config instanceof BertConfig c) {
      return new BertArchitecture(EncoderFlavor.BERT, c.vocabSize(), c.hiddenSize(), c.numHiddenLayers(),
          c.numAttentionHeads(), c.intermediateSize(), c.hiddenAct(), c.maxPositionEmbeddings(), c.typeVocabSize(),
          c.layerNormEps(), c.padTokenId() == null ? -1 : c.padTokenId(), c.tieWordEmbeddings());
    }
    if (config instanceof RobertaConfig c) {
      return new BertArchitecture(EncoderFlavor.ROBERTA, c.vocabSize(), c.hiddenSize(), c.numHiddenLayers(),
          c.numAttentionHeads(), c.intermediateSize(), c.hiddenAct(), c.maxPositionEmbeddings(), c.typeVocabSize(),
          c.layerNormEps(), c.padTokenId(), c.tieWordEmbeddings());
    }
    throw new IllegalArgumentException(
        "a " + config.modelType() + " model is not a BERT or RoBERTa masked language model");
  }

  /**
   * A BERT or RoBERTa of Kiln's shape, for training from scratch on Kiln's tokenizer: the 4x feed-forward and exact
   * GELU of the released models, Kiln's {@code <|pad|>} as the pad token, and as many positions as the context.
   */
  public static BertArchitecture forKiln(EncoderFlavor flavor, ModelShape shape) {
    int pad = TrainingBatch.PAD;
    boolean roberta = flavor == EncoderFlavor.ROBERTA;
    return new BertArchitecture(flavor, shape.vocabSize(), shape.dModel(), shape.layers(), shape.heads(),
        4 * shape.dModel(), "gelu", roberta ? shape.contextLength() + pad + 1 : shape.contextLength(),
        roberta ? 1 : 2, roberta ? ROBERTA_EPS : BERT_EPS, pad, true);
  }

  /** The longest input: every position row, except for RoBERTa the ones up to and including the pad id. */
  public int maxSequenceLength() {
    return maxSequenceLengthOf(flavor, maxPositionEmbeddings, padTokenId);
  }

  /** Kiln's view of the size (the context is {@link #maxSequenceLength()}). */
  public ModelShape modelShape() {
    return new ModelShape(vocabSize, maxSequenceLength(), hiddenSize, layers, heads);
  }

  /** Parameters of the masked-LM model (tied decoder counted once), which {@code ModelShape.parameters} does not give. */
  public long parameterCount() {
    long h = hiddenSize;
    long embeddings = ((long) vocabSize + maxPositionEmbeddings + typeVocabSize) * h + 2 * h;
    long layer = 4 * (h * h + h) + 2 * h + 2 * h * intermediateSize + intermediateSize + h + 2 * h;
    long head = h * h + h + 2 * h + vocabSize + (tieWordEmbeddings ? 0 : (long) vocabSize * h + vocabSize);
    return embeddings + layers * layer + head;
  }

  /** The base model's prefix of every encoder parameter name: {@code bert.} or {@code roberta.}. */
  String basePrefix() {
    return flavor == EncoderFlavor.BERT ? "bert." : "roberta.";
  }

  /**
   * Position ids [rows x length], row-major. BERT numbers positions 0, 1, ...; RoBERTa (fairseq's make_positions,
   * transformers' create_position_ids_from_input_ids) gives each non-pad token pad + its count of non-pad tokens so
   * far, and pad tokens the pad id itself.
   */
  long[] positionIds(int[] tokens, int rows, int length) {
    long[] positions = new long[rows * length];
    for (int row = 0; row < rows; row++) {
      int seen = 0;
      for (int t = 0; t < length; t++) {
        int i = row * length + t;
        if (flavor == EncoderFlavor.BERT) {
          positions[i] = t;
        } else if (tokens[i] == padTokenId) {
          positions[i] = padTokenId;
        } else {
          positions[i] = padTokenId + ++seen;
        }
      }
    }
    return positions;
  }

  private static int maxSequenceLengthOf(EncoderFlavor flavor, int maxPositions, int pad) {
    return flavor == EncoderFlavor.ROBERTA ? maxPositions - pad - 1 : maxPositions;
  }
}
