package dev.kiln.activities.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

/**
 * A model's tokenizer.json (the tokenizers library's format, which DJL's HuggingFaceTokenizer loads), read just
 * far enough to check it against the model: its model type and how many ids it can produce. An id at or beyond
 * the embedding's rows would index past the table, so a tokenizer from another model is caught here.
 *
 * @param bytes the file, to hand to the tokenizer library
 * @param modelType BPE, WordPiece, Unigram or WordLevel
 * @param idCount one more than the largest id in the vocabulary and the added tokens
 */
public record HfTokenizerFile(byte[] bytes, String modelType, int idCount) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static HfTokenizerFile parse(byte[] bytes, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new HfImportException(
          source + " is not valid JSON (line " + e.getLocation().getLineNr() + "); download it again");
    } catch (IOException e) {
      throw new HfImportException(source + " cannot be read as JSON; download it again", e);
    }
    JsonNode model = root == null ? null : root.get("model");
    if (model == null || !model.isObject() || !model.has("vocab")) {
      throw new HfImportException(
          source + " has no model.vocab: it is not a tokenizers tokenizer.json (save one with save_pretrained)");
    }
    int maxId = -1;
    JsonNode vocab = model.get("vocab");
    if (vocab.isArray()) { // Unigram: [[piece, score], ...], the id is the position
      maxId = vocab.size() - 1;
    } else if (vocab.isObject()) { // BPE, WordPiece, WordLevel: {token: id}
      for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
        maxId = Math.max(maxId, id(it.next().getValue(), source));
      }
    } else {
      throw new HfImportException(source + ": model.vocab is neither a list nor an object");
    }
    JsonNode added = root.get("added_tokens");
    if (added != null && added.isArray()) {
      for (JsonNode token : added) {
        maxId = Math.max(maxId, id(token.get("id"), source));
      }
    }
    String type = model.has("type") ? model.get("type").asText() : "unknown";
    return new HfTokenizerFile(bytes, type, maxId + 1);
  }

  private static int id(JsonNode node, String source) {
    if (node == null || !node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < 0) {
      throw new HfImportException(source + " has a token id that is not a non-negative integer");
    }
    return node.asInt();
  }
}
