package dev.kiln.activities.hf.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.tokenizer.ByteLevelBpeTrainer;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code AutoTokenizer} reads beside {@code tokenizer.json}: {@code tokenizer_config.json} (the class, the special
 * tokens' roles, the length limit) and {@code special_tokens_map.json}. The class is {@code PreTrainedTokenizerFast},
 * which runs {@code tokenizer.json}'s pipeline as it is; {@code GPT2Tokenizer} would rebuild a pipeline from the
 * vocabulary and merges with GPT-2's own pre-tokenizer and could encode a Kiln tokenizer's text differently.
 *
 * <p>{@code idCount} is one more than the largest id the tokenizer knows (vocabulary and added tokens).
 *
 * <p>Roles: {@code <|endoftext|>} is GPT-2's beginning, end and unknown token, and Kiln's document separator;
 * {@code <|pad|>}, when the tokenizer has it (Kiln's do, GPT-2's reference tokenizer does not), pads.
 */
public record Gpt2TokenizerFiles(int eosId, Integer padId, Map<Integer, JsonNode> addedTokens, int idCount) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reads the special tokens of a Hugging Face {@code tokenizer.json} (Kiln's or GPT-2's). */
  public static Gpt2TokenizerFiles of(byte[] tokenizerJson) {
    JsonNode root;
    try {
      root = JSON.readTree(tokenizerJson);
    } catch (IOException e) {
      throw new IllegalArgumentException("tokenizer.json is not readable JSON", e);
    }
    Integer eos = null;
    Integer pad = null;
    Map<Integer, JsonNode> added = new TreeMap<>();
    for (JsonNode token : root.path("added_tokens")) {
      int id = token.path("id").asInt();
      added.put(id, token);
      String content = token.path("content").asText();
      if (content.equals(ByteLevelBpeTrainer.END_OF_TEXT)) {
        eos = id;
      } else if (content.equals(ByteLevelBpeTrainer.PAD)) {
        pad = id;
      }
    }
    JsonNode vocab = root.path("model").path("vocab");
    int maxId = added.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
    for (JsonNode id : vocab) {
      maxId = Math.max(maxId, id.asInt());
    }
    if (eos == null && vocab.has(ByteLevelBpeTrainer.END_OF_TEXT)) {
      eos = vocab.get(ByteLevelBpeTrainer.END_OF_TEXT).asInt();
    }
    if (pad == null && vocab.has(ByteLevelBpeTrainer.PAD)) {
      pad = vocab.get(ByteLevelBpeTrainer.PAD).asInt();
    }
    if (eos == null) {
      throw new IllegalArgumentException("tokenizer.json has no " + ByteLevelBpeTrainer.END_OF_TEXT
          + " token, which a GPT-2 export needs as its end-of-text (and beginning) token");
    }
    return new Gpt2TokenizerFiles(eos, pad, added, maxId + 1);
  }

  /** {@code special_tokens_map.json}. */
  public Map<String, Object> specialTokensMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("bos_token", ByteLevelBpeTrainer.END_OF_TEXT);
    m.put("eos_token", ByteLevelBpeTrainer.END_OF_TEXT);
    m.put("unk_token", ByteLevelBpeTrainer.END_OF_TEXT);
    if (padId != null) {
      m.put("pad_token", ByteLevelBpeTrainer.PAD);
    }
    return m;
  }

  /** {@code tokenizer_config.json}; {@code modelMaxLength} is the model's context length. */
  public Map<String, Object> tokenizerConfig(int modelMaxLength) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("tokenizer_class", "PreTrainedTokenizerFast");
    c.putAll(specialTokensMap());
    c.put("model_max_length", modelMaxLength);
    c.put("add_bos_token", false);
    c.put("add_eos_token", false);
    c.put("add_prefix_space", false);
    c.put("clean_up_tokenization_spaces", false);
    c.put("errors", "replace");
    c.put("added_tokens_decoder", addedTokensDecoder(addedTokens));
    return c;
  }

  /** tokenizer_config.json's {@code added_tokens_decoder}: tokenizer.json's added tokens by id, with their flags. */
  static Map<String, Object> addedTokensDecoder(Map<Integer, JsonNode> addedTokens) {
    Map<String, Object> decoder = new LinkedHashMap<>();
    addedTokens.forEach((id, token) -> {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("content", token.path("content").asText());
      for (String flag : new String[] {"lstrip", "normalized", "rstrip", "single_word", "special"}) {
        t.put(flag, token.path(flag).asBoolean());
      }
      decoder.put(Integer.toString(id), t);
    });
    return decoder;
  }
}
