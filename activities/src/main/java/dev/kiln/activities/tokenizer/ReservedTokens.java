package dev.kiln.activities.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.workflows.training.Objective;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tokens an objective appends after the tokenizer's ids: BERT's {@code [MASK]} (the model's last id) or
 * T5's sentinels {@code <extra_id_0>}, {@code <extra_id_1>}, ... counted down from the model's last id. The
 * published {@code tokenizer.json} lists them as special added tokens, so the tokenizer of a published model
 * knows every id the model does.
 */
public final class ReservedTokens {
  public static final String MASK = "[MASK]";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ReservedTokens() {}

  /** Reserved token text by id, for a model of {@code modelVocabSize} ids (empty for CLM). */
  public static Map<Integer, String> of(Objective objective, int modelVocabSize, int contextLength) {
    Map<Integer, String> tokens = new LinkedHashMap<>();
    switch (objective) {
      case CLM -> { }
      case MLM -> tokens.put(modelVocabSize - 1, MASK);
      case SPAN_CORRUPTION -> {
        int reserved = objective.reservedTokens(contextLength);
        for (int span = reserved - 1; span >= 0; span--) {
          tokens.put(modelVocabSize - 1 - span, "<extra_id_" + span + ">");
        }
      }
    }
    return tokens;
  }

  /** A copy of {@code tokenizerJson} with the objective's reserved tokens appended to its added tokens. */
  public static byte[] addTo(byte[] tokenizerJson, Objective objective, int modelVocabSize, int contextLength) {
    Map<Integer, String> reserved = of(objective, modelVocabSize, contextLength);
    if (reserved.isEmpty()) {
      return tokenizerJson;
    }
    try {
      ObjectNode root = (ObjectNode) JSON.readTree(tokenizerJson);
      ArrayNode added = (ArrayNode) root.get("added_tokens");
      reserved.forEach((id, content) -> added.addObject()
          .put("id", id)
          .put("content", content)
          .put("single_word", false)
          .put("lstrip", false)
          .put("rstrip", false)
          .put("normalized", false)
          .put("special", true));
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    } catch (IOException e) {
      throw new UncheckedIOException("tokenizer.json is not readable JSON", e);
    }
  }
}
