package dev.kiln.activities.hf.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.hf.HfTokenizerFile;
import dev.kiln.activities.tokenizer.ByteLevelBpeTrainer;
import dev.kiln.activities.training.T5Sentinels;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code AutoTokenizer} reads beside a T5 export's {@code tokenizer.json}: {@code tokenizer_config.json} and
 * {@code special_tokens_map.json}. The class is {@code PreTrainedTokenizerFast}, which runs {@code tokenizer.json} as
 * it is (no {@code </s>} appended, as Kiln trained); {@code T5Tokenizer} would rebuild a SentencePiece pipeline and
 * add 100 extra ids of its own.
 *
 * <p>Roles: end of sequence is T5's {@code </s>} when the tokenizer has it, else Kiln's {@code <|endoftext|>}; pad is
 * whatever token has the id the model pads and starts decoding with; unknown is {@code <unk>}, or the end token for a
 * byte-level tokenizer, which never needs one. The span-corruption sentinels {@code <extra_id_N>} are listed as
 * {@code extra_ids} and as the extra special tokens, {@code <extra_id_0>} first, as transformers saves a T5's.
 *
 * @param sentinels {@code <extra_id_0>}, {@code <extra_id_1>}, ... (empty when the tokenizer has none)
 * @param idCount one more than the largest id the tokenizer knows
 */
public record T5TokenizerFiles(
    String eosToken, int eosId, String padToken, String unkToken, List<String> sentinels,
    Map<Integer, JsonNode> addedTokens, int idCount) {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String T5_EOS = "</s>";
  static final String T5_UNK = "<unk>";

  /**
   * @param padId the id the model masks as padding and starts the decoder with
   * @throws IllegalArgumentException naming tokenizer.json's missing token or misnumbered sentinel
   */
  public static T5TokenizerFiles of(byte[] tokenizerJson, int padId) {
    JsonNode root;
    try {
      root = JSON.readTree(tokenizerJson);
    } catch (IOException e) {
      throw new IllegalArgumentException("tokenizer.json is not readable JSON", e);
    }
    Map<String, Integer> ids = new HashMap<>();
    Map<Integer, String> tokens = new HashMap<>();
    JsonNode vocab = root.path("model").path("vocab");
    if (vocab.isArray()) { // Unigram: [piece, score] by id
      for (int id = 0; id < vocab.size(); id++) {
        ids.put(vocab.get(id).path(0).asText(), id);
      }
    } else {
      vocab.fields().forEachRemaining(e -> ids.put(e.getKey(), e.getValue().asInt()));
    }
    Map<Integer, JsonNode> added = new TreeMap<>();
    for (JsonNode token : root.path("added_tokens")) {
      added.put(token.path("id").asInt(), token);
      ids.put(token.path("content").asText(), token.path("id").asInt());
    }
    ids.forEach((token, id) -> tokens.put(id, token));
    int idCount = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;

    String eos = ids.containsKey(T5_EOS) ? T5_EOS : ByteLevelBpeTrainer.END_OF_TEXT;
    if (!ids.containsKey(eos)) {
      throw new IllegalArgumentException("tokenizer.json has neither " + T5_EOS + " nor " + ByteLevelBpeTrainer.END_OF_TEXT
          + ", which a T5 export needs as its end-of-sequence token");
    }
    String pad = tokens.get(padId);
    if (pad == null) {
      throw new IllegalArgumentException("tokenizer.json has no token with id " + padId + ", which the model pads and"
          + " starts decoding with: it is not the tokenizer the model was trained with");
    }
    List<String> sentinels = new ArrayList<>();
    while (ids.containsKey("<extra_id_" + sentinels.size() + ">")) {
      sentinels.add("<extra_id_" + sentinels.size() + ">");
    }
    // Sentinel i must be id(<extra_id_0>) - i, the numbering span corruption writes; top() names the first that is not.
    T5Sentinels.top(new HfTokenizerFile(tokenizerJson, vocab.isArray() ? "Unigram" : "BPE", idCount), sentinels.size());
    String unk = ids.containsKey(T5_UNK) ? T5_UNK : eos;
    return new T5TokenizerFiles(eos, ids.get(eos), pad, unk, sentinels, added, idCount);
  }

  /** {@code special_tokens_map.json}. */
  public Map<String, Object> specialTokensMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("eos_token", eosToken);
    m.put("pad_token", padToken);
    m.put("unk_token", unkToken);
    if (!sentinels.isEmpty()) {
      m.put("extra_special_tokens", sentinels);
    }
    return m;
  }

  /** {@code tokenizer_config.json}; {@code modelMaxLength} is the longest window Kiln trained on. */
  public Map<String, Object> tokenizerConfig(int modelMaxLength) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("tokenizer_class", "PreTrainedTokenizerFast");
    c.putAll(specialTokensMap());
    c.put("extra_ids", sentinels.size());
    c.put("model_max_length", modelMaxLength);
    c.put("clean_up_tokenization_spaces", false);
    c.put("added_tokens_decoder", TokenizerFiles.addedTokensDecoder(addedTokens));
    return c;
  }
}
