package dev.kiln.activities.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.hf.HfImportException;
import dev.kiln.activities.hf.HfTokenizerFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Where a T5 tokenizer keeps its sentinels. {@link SpanCorruption} writes sentinel {@code i} as id {@code top - 1 - i},
 * counting down from the {@code modelVocabSize} it is given, which is T5's own numbering: {@code <extra_id_0>} is the
 * highest id of T5's tokenizer (32099 in the released 32100-token vocabulary), {@code <extra_id_1>} the one below.
 * A Kiln run gives it the model's vocabulary, whose top ids are the reserved tokens it appended. A released T5 model,
 * though, pads its embedding beyond the tokenizer (vocab_size 32128), so its top ids are rows no token uses: to
 * continue its pretraining, give span corruption the {@link #top} of its tokenizer instead.
 */
public final class T5Sentinels {
  private static final ObjectMapper JSON = new ObjectMapper();

  private T5Sentinels() {}

  /**
   * One more than the id of {@code <extra_id_0>}: the {@code modelVocabSize} for {@link SpanCorruption} that makes
   * sentinel {@code i} the tokenizer's {@code <extra_id_i>}; empty when the tokenizer has no sentinels.
   *
   * @param spans how many sentinels span corruption uses (one per span)
   * @throws HfImportException if the tokenizer's extra ids are fewer than that, or not numbered down from the first
   */
  public static OptionalInt top(HfTokenizerFile tokenizer, int spans) {
    Map<String, Integer> ids = extraIds(tokenizer.bytes());
    Integer first = ids.get(name(0));
    if (first == null) {
      return OptionalInt.empty();
    }
    for (int i = 1; i < spans; i++) {
      Integer id = ids.get(name(i));
      if (id == null || id != first - i) {
        throw new HfImportException("the tokenizer's " + name(i) + " is " + (id == null ? "missing" : "id " + id)
            + ", but span corruption with " + spans + " spans needs it at id " + (first - i)
            + " (T5 numbers its extra ids down from <extra_id_0>, id " + first + ")");
      }
    }
    return OptionalInt.of(first + 1);
  }

  private static String name(int i) {
    return "<extra_id_" + i + ">";
  }

  /** Ids of the {@code <extra_id_N>} tokens among tokenizer.json's added tokens and its Unigram vocabulary. */
  private static Map<String, Integer> extraIds(byte[] tokenizerJson) {
    JsonNode root;
    try {
      root = JSON.readTree(tokenizerJson);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Integer> ids = new HashMap<>();
    JsonNode vocab = root.path("model").path("vocab");
    if (vocab.isArray()) { // Unigram: [piece, score] by id
      for (int id = 0; id < vocab.size(); id++) {
        String piece = vocab.get(id).path(0).asText();
        if (piece.startsWith("<extra_id_")) {
          ids.put(piece, id);
        }
      }
    }
    for (JsonNode added : root.path("added_tokens")) {
      String content = added.path("content").asText();
      if (content.startsWith("<extra_id_")) {
        ids.put(content, added.path("id").asInt());
      }
    }
    return ids;
  }
}
