package dev.kiln.activities.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.workflows.training.Objective;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReservedTokensTest {
  @TempDir Path dir;

  @Test
  void sentinelsCountDownFromTheLastIdAndMaskIsTheLastId() {
    int vocab = 300 + Objective.SPAN_CORRUPTION.reservedTokens(64);
    Map<Integer, String> sentinels = ReservedTokens.of(Objective.SPAN_CORRUPTION, vocab, 64);
    assertEquals(Map.of(302, "<extra_id_0>", 301, "<extra_id_1>", 300, "<extra_id_2>"), sentinels);
    assertEquals(Map.of(300, "[MASK]"), ReservedTokens.of(Objective.MLM, 301, 64));
    assertTrue(ReservedTokens.of(Objective.CLM, 300, 64).isEmpty());
  }

  @Test
  void thePublishedTokenizerEncodesReservedTokensAndKeepsEveryOtherId() throws IOException {
    StringBuilder text = new StringBuilder();
    java.util.SplittableRandom random = new java.util.SplittableRandom(1);
    for (int word = 0; word < 3000; word++) { // random words: enough distinct pairs for 42 merges
      for (int letter = 0, n = random.nextInt(2, 7); letter < n; letter++) {
        text.append((char) ('a' + random.nextInt(26)));
      }
      text.append(' ');
    }
    String json = new ByteLevelBpeTrainer(300).train(List.of("the cat sat on the mat. " + text));
    int vocab = Objective.SPAN_CORRUPTION.modelVocabSize(300, 64);
    Path plain = Files.writeString(dir.resolve("plain.json"), json);
    Path extended = Files.write(dir.resolve("extended.json"),
        ReservedTokens.addTo(json.getBytes(StandardCharsets.UTF_8), Objective.SPAN_CORRUPTION, vocab, 64));
    try (BpeTokenizer before = BpeTokenizer.load(plain); BpeTokenizer after = BpeTokenizer.load(extended)) {
      assertArrayEquals(before.encode("the cat sat"), after.encode("the cat sat"));
      assertEquals(vocab, after.vocabSize());
      int[] withSentinel = after.encode("the <extra_id_0> sat");
      assertTrue(java.util.Arrays.stream(withSentinel).anyMatch(id -> id == vocab - 1), java.util.Arrays.toString(withSentinel));
    }
  }
}
