package dev.kiln.activities.tokenizer;

import dev.kiln.activities.storage.ObjectStore;

/**
 * A run's tokenizer as it sits in storage: a {@code tokenizer.json}, and for a continued model the
 * {@code tokenizer_config.json} it came with, beside it, naming the model's own special tokens.
 */
public final class StoredTokenizer {
  /** transformers' name for the file of special tokens and tokenizer settings. */
  public static final String CONFIG = "tokenizer_config.json";

  private StoredTokenizer() {}

  /** The key of the {@code tokenizer_config.json} beside the tokenizer at {@code tokenizerKey}. */
  public static String configKey(String tokenizerKey) {
    return tokenizerKey.substring(0, tokenizerKey.lastIndexOf('/') + 1) + CONFIG;
  }

  /**
   * The tokenizer at {@code key}, whose documents end with the eos token of the {@code tokenizer_config.json} beside
   * it (Llama's {@code </s>}), else with Kiln's {@code <|endoftext|>}. The caller closes it.
   */
  public static BpeTokenizer load(ObjectStore store, String key) {
    String configKey = configKey(key);
    String endOfText = store.exists(configKey)
        ? BpeTokenizer.endOfText(store.get(configKey), configKey) : ByteLevelBpeTrainer.END_OF_TEXT;
    return BpeTokenizer.load(store.get(key), endOfText, key);
  }
}
