package dev.kiln.activities.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class BpeTokenizerTest {

  @Test
  void loadsGpt2ReferenceTokenizer() throws IOException {
    Path gpt2 = TokenizerFixtures.dataDir().resolve("reference/gpt2-tokenizer.json");
    Assumptions.assumeTrue(Files.exists(gpt2), "GPT-2 tokenizer not fetched (infra/fetch-data.sh)");
    try (BpeTokenizer tokenizer = BpeTokenizer.load(gpt2)) {
      assertEquals(50257, tokenizer.vocabSize());
      assertEquals(50256, tokenizer.eosId());
      assertArrayEquals(new int[] {15496, 11, 995, 0}, tokenizer.encode("Hello, world!"));
      assertEquals(4, tokenizer.countTokens("Hello, world!"));
      assertEquals(2000, tokenizer.countTokens(" word".repeat(2000)), "no truncation at 512 tokens");
      assertEquals("Élève 😀\n", tokenizer.decode(tokenizer.encode("Élève 😀\n")));
    }
  }
}
