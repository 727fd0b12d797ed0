package dev.kiln.activities.hf;

import java.util.List;

/**
 * A model's config.json as Kiln needs it to rebuild the network: one record per supported {@code model_type}, with
 * the fields the maths depends on and transformers' defaults filled in for those the file leaves out. The common
 * accessors use transformers' generic names (hidden_size, num_hidden_layers, ...) whatever the file calls them.
 */
public sealed interface HfModelConfig permits Gpt2Config, LlamaConfig, BertConfig, RobertaConfig, T5Config {

  /** The model types Kiln imports, in the order errors list them. */
  List<String> SUPPORTED_MODEL_TYPES = List.of("gpt2", "llama", "bert", "roberta", "t5");

  /** config.json's {@code model_type}. */
  String modelType();

  int vocabSize();

  int hiddenSize();

  /** Layers of the (encoder) stack; T5's decoder has its own count. */
  int numHiddenLayers();

  int numAttentionHeads();

  /**
   * Whether the output projection shares the input embedding's weights, so that the checkpoint may leave it out.
   */
  boolean tieWordEmbeddings();

  /** Parses config.json; {@code source} names the file in errors. */
  static HfModelConfig parse(byte[] json, String source) {
    return HfConfigParser.parse(json, source);
  }
}
