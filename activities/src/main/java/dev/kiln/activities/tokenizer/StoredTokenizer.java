package dev.kiln.activities.tokenizer;

import dev.kiln.activities.hf.StoreHfFiles;
import dev.kiln.activities.hf.export.SpecialTokens;
import dev.kiln.activities.storage.ObjectStore;

/**
 * A run's tokenizer as it sits in storage: a {@code tokenizer.json}, and for a continued model the
 * {@code tokenizer_config.json} it came with, beside it, naming the model's own special tokens.
 */
public final class StoredTokenizer {
  private StoredTokenizer() {}

  /** The key of the {@code tokenizer_config.json} beside the tokenizer at {@code tokenizerKey}. */
  public static String configKey(String tokenizerKey) {
    return directory(tokenizerKey) + SpecialTokens.TOKENIZER_CONFIG;
  }

  /** The special tokens of the tokenizer at {@code key}: its configuration's, else Kiln's. */
  public static SpecialTokens specialTokens(ObjectStore store, String key, byte[] tokenizerJson) {
    return SpecialTokens.beside(new StoreHfFiles(store, directory(key)), tokenizerJson);
  }

  /**
   * The tokenizer at {@code key}, whose documents end with the eos token of the {@code tokenizer_config.json} beside
   * it (Llama's {@code </s>}), else with Kiln's {@code <|endoftext|>}. The caller closes it.
   */
  public static BpeTokenizer load(ObjectStore store, String key) {
    byte[] tokenizerJson = store.get(key);
    SpecialTokens special = specialTokens(store, key, tokenizerJson);
    String endOfText = special.eos() == null ? ByteLevelBpeTrainer.END_OF_TEXT : special.eos().text();
    return BpeTokenizer.load(tokenizerJson, endOfText, key);
  }

  private static String directory(String key) {
    return key.substring(0, key.lastIndexOf('/') + 1);
  }
}
