package dev.kiln.activities.curation;

import static dev.kiln.activities.curation.CurationFixtures.ENGLISH_PARAGRAPH;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BadWordsFilterTest {

  private static final Map<String, List<String>> LISTS =
      Map.of("en", List.of("ass", "2 girls 1 cup", "@$$"), "ja", List.of("まんこ"));

  private static StepOutcome judge(double maxFraction, String text) {
    return new BadWordsFilter(LISTS, maxFraction).apply(new Document("page.html", text));
  }

  @Test
  void keepsTextWhereListedWordsOnlyOccurInsideOtherWords() {
    String text = "The class will pass the assessment. " + ENGLISH_PARAGRAPH;
    assertEquals(StepOutcome.keep(new Document("page.html", text)), judge(0, text));
  }

  @Test
  void dropsAPageWithAListedWordAsC4Did() {
    assertEquals(StepOutcome.drop(BadWordsFilter.REASON), judge(0, ENGLISH_PARAGRAPH + " What an Ass!"));
  }

  @Test
  void matchesMultiWordEntriesAsPhrases() {
    assertEquals(StepOutcome.drop(BadWordsFilter.REASON), judge(0, "Watch 2 girls 1 cup here."));
    String scattered = "2 cats, 1 cup and girls.";
    assertEquals(StepOutcome.keep(new Document("page.html", scattered)), judge(0, scattered));
  }

  @Test
  void toleratesARareWordInALongDocumentWhenConfigured() {
    String book = (ENGLISH_PARAGRAPH + " ").repeat(20) + "The ass carried the load.";
    assertEquals(StepOutcome.keep(new Document("page.html", book)), judge(0.001, book));
    assertEquals(StepOutcome.drop(BadWordsFilter.REASON), judge(0.001, "The ass carried the load of the ass."));
  }

  @Test
  void matchesSubstringsInLanguagesWrittenWithoutSpaces() {
    assertEquals(StepOutcome.drop(BadWordsFilter.REASON), judge(0, "これはまんこです"));
  }
}
