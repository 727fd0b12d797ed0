package dev.kiln.activities.hf.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.hf.HfFileSource;
import dev.kiln.activities.tokenizer.ByteLevelBpeTrainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tokenizer's special tokens by role, each its text and its id in {@code tokenizer.json}, any of them absent: what
 * an export writes into {@code tokenizer_config.json}, {@code special_tokens_map.json}, {@code generation_config.json}
 * and config.json's token ids. A model keeps its own tokenizer's tokens: Kiln's trained tokenizer has
 * {@code <|endoftext|>} and {@code <|pad|>}, GPT-2's only {@code <|endoftext|>}, a Llama's {@code <s>}, {@code </s>},
 * {@code <unk>} (Llama 3's {@code <|begin_of_text|>}, {@code <|end_of_text|>}).
 *
 * @param addBosToken {@code add_bos_token} as the tokenizer's configuration says it, or null when it does not (then
 *     {@code tokenizer.json}'s post-processor alone decides, as in transformers, which rebuilds that post-processor
 *     whenever the field is given)
 * @param addEosToken {@code add_eos_token}, likewise
 */
public record SpecialTokens(Token bos, Token eos, Token unk, Token pad, Boolean addBosToken, Boolean addEosToken) {
  public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_CONFIG_BYTES = 1L << 20;

  /** A special token: its text and its id. */
  public record Token(String text, int id) {}

  /**
   * The tokens of a tokenizer Kiln trained ({@link ByteLevelBpeTrainer}): {@code <|endoftext|>} begins, ends and
   * stands for unknown text (GPT-2's convention, and Kiln's document separator); {@code <|pad|>} pads when the
   * tokenizer has it. Nothing is added on encode: Kiln places the separators itself.
   *
   * @throws IllegalArgumentException when {@code tokenizer.json} has no {@code <|endoftext|>}: it is another model's
   *     tokenizer, whose roles only its {@code tokenizer_config.json} can tell
   */
  public static SpecialTokens kilnDefaults(byte[] tokenizerJson) {
    Map<String, Integer> ids = ids(tokenizerJson, "tokenizer.json");
    Integer eos = ids.get(ByteLevelBpeTrainer.END_OF_TEXT);
    if (eos == null) {
      throw new IllegalArgumentException("tokenizer.json has no " + ByteLevelBpeTrainer.END_OF_TEXT + " token, which"
          + " Kiln's trained tokenizers have: the tokenizer of another model needs its " + TOKENIZER_CONFIG
          + " beside it to name its special tokens");
    }
    Token endOfText = new Token(ByteLevelBpeTrainer.END_OF_TEXT, eos);
    Integer pad = ids.get(ByteLevelBpeTrainer.PAD);
    return new SpecialTokens(endOfText, endOfText, endOfText, pad == null ? null : new Token(ByteLevelBpeTrainer.PAD, pad),
        false, false);
  }

  /**
   * The tokens a {@code tokenizer_config.json} names ({@code bos_token}, {@code eos_token}, {@code unk_token},
   * {@code pad_token}: a string, an {@code {"content": ...}} object, null or absent), with their ids from the
   * {@code tokenizer.json} saved with it.
   *
   * @param where names the tokenizer_config.json in errors (a path or an object key)
   * @throws IllegalArgumentException naming the file and field when a token is of the wrong type or not in
   *     tokenizer.json
   */
  public static SpecialTokens fromTokenizerConfig(byte[] tokenizerConfig, byte[] tokenizerJson, String where) {
    JsonNode config;
    try {
      config = JSON.readTree(tokenizerConfig);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(where + " is not valid JSON (" + e.getOriginalMessage()
          + "): save the tokenizer again with save_pretrained");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + where, e);
    }
    if (config == null || !config.isObject()) {
      throw new IllegalArgumentException(where + " is not a JSON object: save the tokenizer again with save_pretrained");
    }
    Map<String, Integer> ids = ids(tokenizerJson, "the tokenizer.json beside " + where);
    return new SpecialTokens(token(config, "bos_token", ids, where), token(config, "eos_token", ids, where),
        token(config, "unk_token", ids, where), token(config, "pad_token", ids, where),
        flag(config, "add_bos_token", where), flag(config, "add_eos_token", where));
  }

  /**
   * The special tokens of a {@code tokenizer.json} kept in {@code files}: those of the {@code tokenizer_config.json}
   * beside it (another model's tokenizer, staged with its configuration), else Kiln's ({@link #kilnDefaults}).
   */
  public static SpecialTokens beside(HfFileSource files, byte[] tokenizerJson) {
    try {
      if (!files.exists(TOKENIZER_CONFIG)) {
        return kilnDefaults(tokenizerJson);
      }
      return fromTokenizerConfig(files.readAll(TOKENIZER_CONFIG, MAX_CONFIG_BYTES), tokenizerJson,
          files.describe() + (files.describe().endsWith("/") ? "" : "/") + TOKENIZER_CONFIG);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + TOKENIZER_CONFIG + " of " + files.describe(), e);
    }
  }

  public Integer bosId() {
    return bos == null ? null : bos.id();
  }

  public Integer eosId() {
    return eos == null ? null : eos.id();
  }

  public Integer padId() {
    return pad == null ? null : pad.id();
  }

  /** {@code special_tokens_map.json}: each present role's text. */
  public Map<String, Object> specialTokensMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    put(m, "bos_token", bos);
    put(m, "eos_token", eos);
    put(m, "unk_token", unk);
    put(m, "pad_token", pad);
    return m;
  }

  /**
   * {@code generation_config.json}: transformers' defaults (greedy) with the tokens' ids, so that generation stops at
   * the end token and pads with the pad token; the length is left to the caller (a {@code max_length} here would clash
   * with every {@code max_new_tokens}).
   */
  public Map<String, Object> generationConfig() {
    Map<String, Object> g = new LinkedHashMap<>();
    if (bos != null) {
      g.put("bos_token_id", bos.id());
    }
    if (eos != null) {
      g.put("eos_token_id", eos.id());
    }
    if (pad != null) {
      g.put("pad_token_id", pad.id());
    }
    g.put("transformers_version", HfExportFiles.TRANSFORMERS_VERSION);
    return g;
  }

  private static void put(Map<String, Object> m, String role, Token token) {
    if (token != null) {
      m.put(role, token.text());
    }
  }

  private static Token token(JsonNode config, String field, Map<String, Integer> ids, String where) {
    JsonNode value = config.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    JsonNode content = value.isObject() ? value.get("content") : value;
    if (content == null || !content.isTextual()) {
      throw new IllegalArgumentException(where + ": " + field + " is " + value + "; give the token's text, or an object"
          + " {\"content\": text} as save_pretrained writes it");
    }
    Integer id = ids.get(content.asText());
    if (id == null) {
      throw new IllegalArgumentException(where + ": " + field + " '" + content.asText() + "' is not a token of the"
          + " tokenizer.json beside it: the two files must be the same tokenizer's (save_pretrained writes both)");
    }
    return new Token(content.asText(), id);
  }

  private static Boolean flag(JsonNode config, String field, String where) {
    JsonNode value = config.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isBoolean()) {
      throw new IllegalArgumentException(where + ": " + field + " is " + value + "; it must be true or false");
    }
    return value.asBoolean();
  }

  /** Every token's id in a tokenizer.json: its vocabulary (object or Unigram list), then its added tokens. */
  private static Map<String, Integer> ids(byte[] tokenizerJson, String where) {
    JsonNode root;
    try {
      root = JSON.readTree(tokenizerJson);
    } catch (IOException e) {
      throw new IllegalArgumentException(where + " is not readable JSON", e);
    }
    Map<String, Integer> ids = new HashMap<>();
    JsonNode vocab = root.path("model").path("vocab");
    if (vocab.isArray()) { // Unigram: [[piece, score], ...], the id is the position
      for (int i = 0; i < vocab.size(); i++) {
        ids.put(vocab.get(i).path(0).asText(), i);
      }
    } else {
      for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        ids.put(e.getKey(), e.getValue().asInt());
      }
    }
    for (JsonNode added : root.path("added_tokens")) {
      ids.put(added.path("content").asText(), added.path("id").asInt());
    }
    return ids;
  }
}
