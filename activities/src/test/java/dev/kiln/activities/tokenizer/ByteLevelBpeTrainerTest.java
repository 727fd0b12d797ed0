package dev.kiln.activities.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ByteLevelBpeTrainerTest {

  private static final List<String> CORPUS = List.of(
      "The Debian project is an association of individuals who have made common cause to create a free operating"
          + " system. Packages are maintained by volunteers, and releases happen when they are ready.\n",
      "Le projet Debian est une association de personnes qui ont fait cause commune pour créer un système"
          + " d'exploitation libre. Les paquets sont maintenus par des bénévoles.\n",
      "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of"
          + " foolishness, it was the epoch of belief, it was the epoch of incredulity.\n",
      "$ apt-cache policy limnoria\n  Installed: 2021.06.15-1\n  Candidate: 2021.07.21-1~bpo11+1\n");

  private static final String TRICKY = "Hello, world!\n\nÉlève à l'école — naïve café 😀🚀 東京\ttab  two  spaces \r\n"
      + "<|endoftext|> is text here; numbers 3.14159 and 2022.";

  private static List<String> corpus() {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      for (String text : CORPUS) {
        texts.add(text.replace("Debian", "Debian" + i));
      }
    }
    return texts;
  }

  @Test
  void trainedTokenizerLoadsInDjlAndRoundTripsExactly(@TempDir Path dir) throws IOException {
    Path json = dir.resolve("tokenizer.json");
    Files.writeString(json, new ByteLevelBpeTrainer(500).train(corpus()));
    try (BpeTokenizer tokenizer = BpeTokenizer.load(json)) {
      assertEquals(500, tokenizer.vocabSize());
      assertEquals(0, tokenizer.eosId());
      for (String text : List.of(TRICKY, CORPUS.get(0), CORPUS.get(1), "", " ", "\n")) {
        assertEquals(text, tokenizer.decode(tokenizer.encode(text)));
      }
      int[] ids = tokenizer.encode(CORPUS.get(2));
      assertTrue(ids.length < CORPUS.get(2).length() / 3, "merges compress a text seen in training: " + ids.length);
    }
  }

  @Test
  void vocabularyHasSpecialsThenBytesThenMerges() throws IOException {
    JsonNode root = new ObjectMapper().readTree(new ByteLevelBpeTrainer(400).train(corpus()));
    JsonNode vocab = root.path("model").path("vocab");
    assertEquals(400, vocab.size());
    assertEquals(0, vocab.path("<|endoftext|>").asInt());
    assertEquals(1, vocab.path("<|pad|>").asInt());
    assertEquals(2 + ' ', vocab.path("Ġ").asInt());
    assertEquals(2 + 'A', vocab.path("A").asInt());
    assertEquals(400 - 258, root.path("model").path("merges").size());
    assertEquals("BPE", root.path("model").path("type").asText());
    assertEquals(2, root.path("added_tokens").size());
  }

  @Test
  void trainingIsDeterministic() {
    assertEquals(new ByteLevelBpeTrainer(450).train(corpus()), new ByteLevelBpeTrainer(450).train(corpus()));
  }

  /** The size Kiln trains for: 4096 tokens on the 11.8 MB Gutenberg selection (10 M characters sampled). */
  @Test
  void trains4096TokensOnGutenbergWellUnderAMinute(@TempDir Path dir) throws IOException {
    Path gutenberg = TokenizerFixtures.dataDir().resolve("raw/gutenberg");
    Assumptions.assumeTrue(Files.isDirectory(gutenberg), "Gutenberg data not fetched (infra/fetch-data.sh)");
    List<String> books = new ArrayList<>();
    try (Stream<Path> files = Files.list(gutenberg)) {
      for (Path book : files.sorted().toList()) {
        books.add(Files.readString(book, java.nio.charset.StandardCharsets.ISO_8859_1));
      }
    }
    long start = System.nanoTime();
    String json = new ByteLevelBpeTrainer(4096).train(books);
    double seconds = (System.nanoTime() - start) / 1e9;
    long chars = books.stream().mapToLong(String::length).sum();
    System.out.printf("BPE 4096 trained on %.1f M of %.1f M chars in %.1f s%n",
        Math.min(chars, ByteLevelBpeTrainer.DEFAULT_MAX_TRAINING_CHARS) / 1e6, chars / 1e6, seconds);
    assertTrue(seconds < 60, "training took " + seconds + " s");

    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, json);
    try (BpeTokenizer tokenizer = BpeTokenizer.load(file)) {
      assertEquals(4096, tokenizer.vocabSize());
      String passage = books.get(0).substring(0, 5000);
      int[] ids = tokenizer.encode(passage);
      assertArrayEquals(passage.codePoints().toArray(), tokenizer.decode(ids).codePoints().toArray());
      System.out.printf("%.2f chars per token on the first book%n", passage.length() / (double) ids.length);
    }
  }
}
