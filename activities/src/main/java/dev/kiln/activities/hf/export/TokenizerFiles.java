package dev.kiln.activities.hf.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code AutoTokenizer} reads beside {@code tokenizer.json}: {@code tokenizer_config.json} (the class, the special
 * tokens' roles, the length limit) and {@code special_tokens_map.json}. The class is {@code PreTrainedTokenizerFast},
 * which runs {@code tokenizer.json}'s pipeline as it is; a model-specific class ({@code GPT2Tokenizer},
 * {@code LlamaTokenizer}) would rebuild a pipeline from the vocabulary and merges with that model's own pre-tokenizer
 * and could encode the run's tokenizer differently.
 *
 * <p>{@code idCount} is one more than the largest id the tokenizer knows (vocabulary and added tokens).
 */
public record TokenizerFiles(SpecialTokens special, Map<Integer, JsonNode> addedTokens, int idCount) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A Hugging Face {@code tokenizer.json} (Kiln's or another model's) with its special tokens' roles. */
  public static TokenizerFiles of(byte[] tokenizerJson, SpecialTokens special) {
    JsonNode root;
    try {
      root = JSON.readTree(tokenizerJson);
    } catch (IOException e) {
      throw new IllegalArgumentException("tokenizer.json is not readable JSON", e);
    }
    Map<Integer, JsonNode> added = new TreeMap<>();
    for (JsonNode token : root.path("added_tokens")) {
      added.put(token.path("id").asInt(), token);
    }
    JsonNode vocab = root.path("model").path("vocab");
    int maxId = added.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
    if (vocab.isArray()) { // Unigram: the id is the position
      maxId = Math.max(maxId, vocab.size() - 1);
    } else {
      for (JsonNode id : vocab) {
        maxId = Math.max(maxId, id.asInt());
      }
    }
    return new TokenizerFiles(special, added, maxId + 1);
  }

  /** {@code special_tokens_map.json}. */
  public Map<String, Object> specialTokensMap() {
    return special.specialTokensMap();
  }

  /** {@code tokenizer_config.json}; {@code modelMaxLength} is the model's context length. */
  public Map<String, Object> tokenizerConfig(int modelMaxLength) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("tokenizer_class", "PreTrainedTokenizerFast");
    c.putAll(specialTokensMap());
    c.put("model_max_length", modelMaxLength);
    if (special.addBosToken() != null) {
      c.put("add_bos_token", special.addBosToken());
    }
    if (special.addEosToken() != null) {
      c.put("add_eos_token", special.addEosToken());
    }
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
