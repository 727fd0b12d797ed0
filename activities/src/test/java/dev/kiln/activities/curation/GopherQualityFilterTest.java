package dev.kiln.activities.curation;

import static dev.kiln.activities.curation.CurationFixtures.ENGLISH_PARAGRAPH;
import static dev.kiln.activities.curation.CurationFixtures.GOPHER_QUALITY;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class GopherQualityFilterTest {

  private final GopherQualityFilter filter = new GopherQualityFilter(GOPHER_QUALITY);

  private StepOutcome judge(String text) {
    return filter.apply(new Document("doc.txt", text));
  }

  @Test
  void keepsNaturalProse() {
    Document doc = new Document("doc.txt", ENGLISH_PARAGRAPH);
    assertEquals(StepOutcome.keep(doc), filter.apply(doc));
  }

  @Test
  void wordCount() {
    assertEquals(StepOutcome.drop(GopherQualityFilter.WORD_COUNT), judge("The cat and the dog sat with the bird."));
  }

  @Test
  void meanWordLength() {
    assertEquals(StepOutcome.drop(GopherQualityFilter.MEAN_WORD_LENGTH), judge("to be or it is of an ox to go. ".repeat(8)));
  }

  @Test
  void symbolToWordRatio() {
    assertEquals(
        StepOutcome.drop(GopherQualityFilter.SYMBOL_TO_WORD_RATIO), judge(ENGLISH_PARAGRAPH + " #tag".repeat(10)));
  }

  @Test
  void bulletLines() {
    String bulleted = "- " + ENGLISH_PARAGRAPH.replace(". ", ".\n- ");
    assertEquals(StepOutcome.drop(GopherQualityFilter.BULLET_LINES), judge(bulleted));
  }

  @Test
  void ellipsisLines() {
    String trailingOff = ENGLISH_PARAGRAPH.replace(". ", "...\n").replaceAll("\\.$", "...");
    assertEquals(StepOutcome.drop(GopherQualityFilter.ELLIPSIS_LINES), judge(trailingOff));
  }

  @Test
  void alphabeticWords() {
    assertEquals(
        StepOutcome.drop(GopherQualityFilter.ALPHABETIC_WORDS), judge(ENGLISH_PARAGRAPH + " 2022 1999".repeat(10)));
  }

  @Test
  void stopWords() {
    // one stop word ("and", however often) is not "at least two of" them; punctuation tokens count as
    // non-alphabetic words (as in DataTrove), so this sentence has few, to fail on stop words alone
    String noStopWords = "Packages arrive daily from volunteers everywhere and get built and tested thoroughly. ".repeat(8);
    assertEquals(StepOutcome.drop(GopherQualityFilter.STOP_WORDS), judge(noStopWords));
  }
}
