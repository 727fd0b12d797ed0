package dev.kiln.activities.curation;

import static dev.kiln.activities.curation.CurationFixtures.ENGLISH_PARAGRAPH;
import static dev.kiln.activities.curation.CurationFixtures.FRENCH_PARAGRAPH;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class LanguageFilterTest {

  @Test
  void keepsEnglishAndNamesTheLanguageOfWhatItDrops() {
    LanguageFilter english = new LanguageFilter(List.of("en"), 0.65);
    Document en = new Document("en.txt", ENGLISH_PARAGRAPH);
    assertEquals(StepOutcome.keep(en), english.apply(en));
    assertEquals(StepOutcome.drop("language:fr"), english.apply(new Document("fr.txt", FRENCH_PARAGRAPH)));
  }

  @Test
  void keepsEveryConfiguredLanguage() {
    LanguageFilter both = new LanguageFilter(List.of("en", "fr"), 0.65);
    Document fr = new Document("fr.txt", FRENCH_PARAGRAPH);
    assertEquals(StepOutcome.keep(fr), both.apply(fr));
  }

  @Test
  void textWithoutLanguageIsUnknown() {
    LanguageFilter english = new LanguageFilter(List.of("en"), 0.65);
    assertEquals(StepOutcome.drop("language:unknown"), english.apply(new Document("n.txt", "1234 5678 90 !!")));
  }
}
