package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;

/**
 * transformers' BertEmbeddings / RobertaEmbeddings: word + token type + position embeddings (summed in that order),
 * then LayerNorm and dropout. Kiln's batches carry no segments, so every token is of type 0, as transformers assumes
 * when no token_type_ids are given.
 */
final class BertEmbeddings {
  private final BertArchitecture architecture;
  private final Parameter word;
  private final Parameter position;
  private final Parameter tokenType;
  private final BertLayerNorm norm;
  private final DropoutRate dropout;

  BertEmbeddings(NamedParameters p, BertArchitecture a, double initStd, DropoutRate dropout) {
    String e = a.basePrefix() + "embeddings.";
    int h = a.hiddenSize();
    this.architecture = a;
    this.word = p.weight(e + "word_embeddings.weight", new Shape(a.vocabSize(), h), initStd);
    this.position = p.weight(e + "position_embeddings.weight", new Shape(a.maxPositionEmbeddings(), h), initStd);
    this.tokenType = p.weight(e + "token_type_embeddings.weight", new Shape(a.typeVocabSize(), h), initStd);
    this.norm = BertLayerNorm.of(p, e + "LayerNorm", h, a.layerNormEps());
    this.dropout = dropout;
  }

  /** The word embedding table, which the MLM head's decoder shares. */
  Parameter word() {
    return word;
  }

  /** [rows, length, hidden] of token ids [rows x length], row-major. */
  NDArray forward(NDManager step, int[] tokens, int rows, int length, boolean training) {
    Shape shape = new Shape(rows, length);
    NDArray ids = TrainingBatch.tokenArray(step, tokens, rows, length);
    NDArray types = step.zeros(shape, DataType.INT64);
    NDArray positions = step.create(architecture.positionIds(tokens, rows, length), shape);
    NDArray x = lookup(ids, word.value()).add(lookup(types, tokenType.value())).add(lookup(positions, position.value()));
    return dropout.apply(norm.apply(x), training);
  }

  private static NDArray lookup(NDArray ids, NDArray table) {
    return Embedding.embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
  }
}
