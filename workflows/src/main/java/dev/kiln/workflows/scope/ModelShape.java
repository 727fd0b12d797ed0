package dev.kiln.workflows.scope;

/** The transformer's size: what the trainer builds and what a checkpoint must match. */
public record ModelShape(int vocabSize, int contextLength, int dModel, int layers, int heads) {

  /** Parameters of a GPT with tied input/output embeddings and learned positions (LayerNorms included). */
  public long parameters() {
    long d = dModel;
    long perBlock = 12 * d * d + 13 * d; // qkv + proj + 4d MLP, their biases, two LayerNorms
    return (long) vocabSize * d + (long) contextLength * d + layers * perBlock + 2 * d;
  }

  /**
   * Parameters of the given architecture: an encoder has the GPT's; an encoder-decoder has two such stacks
   * sharing one token embedding, and each decoder block adds cross-attention (4d^2 + 4d) and its LayerNorm.
   */
  public long parameters(Architecture architecture) {
    if (architecture != Architecture.ENCODER_DECODER) {
      return parameters();
    }
    long d = dModel;
    long perBlock = 12 * d * d + 13 * d;
    long crossAttention = 4 * d * d + 4 * d + 2 * d;
    return (long) vocabSize * d + 2L * contextLength * d + layers * (2 * perBlock + crossAttention) + 4 * d;
  }

  public ModelShape withVocabSize(int newVocabSize) {
    return new ModelShape(newVocabSize, contextLength, dModel, layers, heads);
  }
}
