package dev.kiln.activities.curation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The tokenizer's training sample is bounded, deterministic, and the whole text when the corpus is small. */
class TokenizerSampleTest {

  /** {@code n} documents of {@code chars} characters each, counting how many were read. */
  private static Iterator<Document> corpus(int n, int chars, AtomicInteger read) {
    return new Iterator<>() {
      int at;

      @Override
      public boolean hasNext() {
        return at < n;
      }

      @Override
      public Document next() {
        read.incrementAndGet();
        int i = at++;
        return new Document("raw/books/" + i + ".txt", ("w" + i + " ").repeat(chars).substring(0, chars));
      }
    };
  }

  private static List<String> drain(Iterator<String> texts) {
    List<String> out = new ArrayList<>();
    texts.forEachRemaining(out::add);
    return out;
  }

  @Test
  void aLargeCorpusGivesASampleOfAtMostTheBudgetAndStopsReadingOnceFull() {
    long budget = 200_000;
    int documents = 20_000;
    int chars = 1_000; // 20 M characters: a hundred budgets
    double rate = TokenizerSample.rate(budget, (long) documents * chars);
    assertEquals(0.02, rate, 1e-12);
    AtomicInteger read = new AtomicInteger();
    List<String> sample = drain(TokenizerSample.texts(corpus(documents, chars, read), rate, budget));
    long sampled = sample.stream().mapToLong(String::length).sum();
    assertTrue(sampled >= budget && sampled < budget + chars, "the budget, plus at most the text that crossed it: " + sampled);
    assertTrue(read.get() < documents * 3 / 4, "stops reading once the budget is full, read " + read.get());
    assertTrue(sample.size() > 150, "about two in a hundred documents up to the budget: " + sample.size());
  }

  @Test
  void theSampleIsAFunctionOfTheDocumentIdsAlone() {
    List<String> first = drain(TokenizerSample.texts(corpus(5_000, 100, new AtomicInteger()), 0.1, 50_000));
    List<String> second = drain(TokenizerSample.texts(corpus(5_000, 100, new AtomicInteger()), 0.1, 50_000));
    assertEquals(first, second);
    for (int i = 0; i < 200; i++) {
      String id = "raw/books/" + i + ".txt";
      assertEquals(TokenizerSample.selected(id, 0.3), TokenizerSample.selected(id, 0.3), id);
      assertTrue(!TokenizerSample.selected(id, 0.1) || TokenizerSample.selected(id, 0.3),
          "a larger rate takes every document a smaller one takes: " + id);
    }
  }

  @Test
  void aCorpusOfUpToTwiceTheBudgetIsTakenWholeInOrderAsTheTrainerReadsIt() {
    assertEquals(1.0, TokenizerSample.rate(10_000_000, 20_000_000));
    assertEquals(1.0, TokenizerSample.rate(10_000_000, 0));
    List<String> all = drain(TokenizerSample.texts(corpus(300, 100, new AtomicInteger()), 1.0, 1_000_000));
    assertEquals(300, all.size());
    assertEquals("w0 w0 ", all.get(0).substring(0, 6));
    assertEquals("w299 ", all.get(299).substring(0, 5));
  }
}
