package dev.kiln.activities.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.hf.HfImportException;
import dev.kiln.activities.hf.HfModelDirectory;
import dev.kiln.activities.hf.HfTokenizerFile;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Span corruption's sentinels are a T5 tokenizer's extra ids when given its top. */
class T5SentinelsTest {

  /** A Unigram tokenizer of 10 pieces with T5's three extra ids after them, numbered down from the last. */
  private static HfTokenizerFile t5Tokenizer(String extraIds) {
    StringBuilder vocab = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      vocab.append(i == 0 ? "" : ",").append("[\"p").append(i).append("\",-1.0]");
    }
    String json = "{\"added_tokens\":[" + extraIds + "],\"model\":{\"type\":\"Unigram\",\"vocab\":[" + vocab + "]}}";
    return new HfTokenizerFile(json.getBytes(StandardCharsets.UTF_8), "Unigram", 13);
  }

  @Test
  void sentinelIIsExtraIdI() {
    HfTokenizerFile tokenizer = t5Tokenizer("{\"id\":10,\"content\":\"<extra_id_2>\"},"
        + "{\"id\":11,\"content\":\"<extra_id_1>\"},{\"id\":12,\"content\":\"<extra_id_0>\"}");
    int top = T5Sentinels.top(tokenizer, 3).orElseThrow();
    assertEquals(13, top);
    assertEquals(12, SpanCorruption.sentinel(top, 0));
    assertEquals(10, SpanCorruption.sentinel(top, 2));
  }

  @Test
  void tooFewOrMisnumberedExtraIdsAreRefused() {
    HfTokenizerFile up = t5Tokenizer("{\"id\":10,\"content\":\"<extra_id_0>\"},{\"id\":11,\"content\":\"<extra_id_1>\"}");
    HfImportException e = assertThrows(HfImportException.class, () -> T5Sentinels.top(up, 2));
    assertTrue(e.getMessage().contains("<extra_id_1> is id 11"), e.getMessage());
    assertThrows(HfImportException.class, () -> T5Sentinels.top(up, 3));
  }

  @Test
  void aTokenizerWithoutExtraIdsHasNoTop() throws Exception {
    try (HfModelDirectory hf = HfModelDirectory.open(T5ModelTest.fixture("t5-v1_0"))) {
      assertTrue(T5Sentinels.top(hf.requireTokenizer(), 3).isEmpty());
    }
  }
}
