package dev.kiln.activities.curation;

import static dev.kiln.activities.curation.CurationFixtures.ENGLISH_PARAGRAPH;
import static dev.kiln.activities.curation.CurationFixtures.FRENCH_PARAGRAPH;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.workflows.spec.CurationStepSpec;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GopherRepetitionFilterTest {

  /** Gopher's thresholds (Rae et al. 2021, table A1). */
  static final CurationStepSpec.GopherRepetition GOPHER = new CurationStepSpec.GopherRepetition(0.3, 0.3, 0.2, 0.2,
      Map.of(2, 0.20, 3, 0.18, 4, 0.16), Map.of(10, 0.10, 9, 0.11, 8, 0.12, 7, 0.13, 6, 0.14, 5, 0.15));

  private final GopherRepetitionFilter filter = new GopherRepetitionFilter(GOPHER);

  private StepOutcome judge(String text) {
    return filter.apply(new Document("doc.txt", text));
  }

  @Test
  void keepsProseWithoutRepetition() {
    Document doc = new Document("doc.txt", ENGLISH_PARAGRAPH + "\n\n" + FRENCH_PARAGRAPH);
    assertEquals(StepOutcome.keep(doc), filter.apply(doc));
  }

  @Test
  void duplicateParagraphs() {
    assertEquals(StepOutcome.drop(GopherRepetitionFilter.DUPLICATE_PARAGRAPHS),
        judge("Buy now.\n\nBuy now.\n\n" + ENGLISH_PARAGRAPH + "\n\nBuy now."));
  }

  @Test
  void duplicateParagraphCharacters() {
    // one paragraph repeated once: 1 of 3 paragraphs (under 0.3 would need 4), but half of the characters
    assertEquals(StepOutcome.drop(GopherRepetitionFilter.DUPLICATE_PARAGRAPH_CHARS),
        judge(ENGLISH_PARAGRAPH + "\n\n" + ENGLISH_PARAGRAPH + "\n\n" + FRENCH_PARAGRAPH + "\n\nEnd.\n\nFin."));
  }

  @Test
  void duplicateLines() {
    String lines = "Price: 10\nPrice: 10\nPrice: 10\nPrice: 10\n" + ENGLISH_PARAGRAPH.replace(". ", ".\n");
    assertEquals(StepOutcome.drop(GopherRepetitionFilter.DUPLICATE_LINES), judge(lines));
  }

  @Test
  void topTwoGram() {
    String spam = ENGLISH_PARAGRAPH + " " + "cheap pills ".repeat(20);
    assertEquals(StepOutcome.drop(GopherRepetitionFilter.topNGram(2)), judge(spam));
  }

  @Test
  void duplicatedFiveGrams() {
    // varied repeats: no single 2-4-gram dominates, but long stretches of 5-grams recur
    SplittableRandom random = new SplittableRandom(7);
    String[] vocabulary = ENGLISH_PARAGRAPH.replaceAll("[.,]", "").split(" ");
    StringBuilder phrase = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      phrase.append(vocabulary[random.nextInt(vocabulary.length)]).append(' ');
    }
    String text = ENGLISH_PARAGRAPH + " " + phrase + phrase;
    assertEquals(StepOutcome.drop(GopherRepetitionFilter.duplicateNGrams(5)), judge(text));
  }
}
