package dev.kiln.activities.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * A byte-level BPE tokenizer loaded from a Hugging Face {@code tokenizer.json} (ours or GPT-2's), encoding
 * through DJL's binding of the Rust {@code tokenizers} library. Holds native memory: close it.
 */
public final class BpeTokenizer implements AutoCloseable {

  /**
   * DJL truncates to 512 tokens and adds special tokens unless told otherwise; Kiln tokenizes whole
   * documents and places the end-of-text token itself.
   */
  private static final Map<String, String> OPTIONS =
      Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");

  private final HuggingFaceTokenizer tokenizer;
  private final int vocabSize;
  private final Integer eosId;

  private BpeTokenizer(HuggingFaceTokenizer tokenizer, int vocabSize, Integer eosId) {
    this.tokenizer = tokenizer;
    this.vocabSize = vocabSize;
    this.eosId = eosId;
  }

  /** A tokenizer.json held in memory (read from storage) whose end of text is {@code <|endoftext|>} (Kiln's, GPT-2's). */
  public static BpeTokenizer load(byte[] tokenizerJson, String source) {
    return load(tokenizerJson, ByteLevelBpeTrainer.END_OF_TEXT, source);
  }

  /**
   * A tokenizer.json held in memory whose documents end with {@code endOfText} (a Llama's {@code </s>}, Llama 3's
   * {@code <|end_of_text|>}: the model's own eos token); {@code source} names it in errors.
   */
  public static BpeTokenizer load(byte[] tokenizerJson, String endOfText, String source) {
    return loadFile(tokenizerJson, endOfText, source);
  }

  /**
   * A tokenizer.json held in memory, to encode and decode text only (generation, scoring): it need not have
   * {@code <|endoftext|>}, which another model's tokenizer (a Llama's {@code </s>}) does not; {@link #eosId()} then
   * fails.
   */
  public static BpeTokenizer loadForText(byte[] tokenizerJson, String source) {
    return loadFile(tokenizerJson, null, source);
  }

  private static BpeTokenizer loadFile(byte[] tokenizerJson, String endOfText, String source) {
    try {
      Path file = java.nio.file.Files.createTempFile("kiln-tokenizer", ".json");
      try {
        java.nio.file.Files.write(file, tokenizerJson);
        return load(file, endOfText, source);
      } finally {
        java.nio.file.Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot load the tokenizer " + source, e);
    }
  }

  public static BpeTokenizer load(Path tokenizerJson) throws IOException {
    return load(tokenizerJson, ByteLevelBpeTrainer.END_OF_TEXT, tokenizerJson.toString());
  }

  /** {@code endOfText} null: the tokenizer need not have one (nor {@code <|endoftext|>}). */
  private static BpeTokenizer load(Path tokenizerJson, String endOfText, String source) throws IOException {
    String eos = endOfText == null ? ByteLevelBpeTrainer.END_OF_TEXT : endOfText;
    JsonNode root = new ObjectMapper().readTree(tokenizerJson.toFile());
    int maxId = -1;
    Integer eosId = null;
    for (Iterator<Map.Entry<String, JsonNode>> it = root.path("model").path("vocab").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      maxId = Math.max(maxId, entry.getValue().asInt());
      if (entry.getKey().equals(eos)) {
        eosId = entry.getValue().asInt();
      }
    }
    for (JsonNode added : root.path("added_tokens")) {
      maxId = Math.max(maxId, added.path("id").asInt());
      if (added.path("content").asText().equals(eos)) {
        eosId = added.path("id").asInt();
      }
    }
    if (eosId == null && endOfText != null) {
      throw new IllegalArgumentException("the tokenizer " + source + " has no " + endOfText + " token, which ends"
          + " every document; a tokenizer_config.json beside it names the model's own end-of-text token (eos_token)");
    }
    return new BpeTokenizer(HuggingFaceTokenizer.newInstance(tokenizerJson, OPTIONS), maxId + 1, eosId);
  }

  public int[] encode(String text) {
    long[] ids = tokenizer.encode(text, false, false).getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = (int) ids[i];
    }
    return out;
  }

  /** Number of tokens of a text: the token counter the curation statistics use. */
  public int countTokens(String text) {
    return tokenizer.encode(text, false, false).getIds().length;
  }

  public String decode(int[] ids) {
    long[] longIds = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      longIds[i] = ids[i];
    }
    return tokenizer.decode(longIds, false);
  }

  public int vocabSize() {
    return vocabSize;
  }

  /** The id of {@code <|endoftext|>}, Kiln's document separator. */
  public int eosId() {
    if (eosId == null) {
      throw new IllegalStateException("this tokenizer has no " + ByteLevelBpeTrainer.END_OF_TEXT + " token");
    }
    return eosId;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
