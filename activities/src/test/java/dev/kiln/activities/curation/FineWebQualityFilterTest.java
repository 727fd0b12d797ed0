package dev.kiln.activities.curation;

import static dev.kiln.activities.curation.CurationFixtures.ENGLISH_PARAGRAPH;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.workflows.spec.CurationStepSpec;
import org.junit.jupiter.api.Test;

class FineWebQualityFilterTest {

  /** FineWeb's thresholds (DataTrove's FineWebQualityFilter defaults). */
  private final FineWebQualityFilter filter =
      new FineWebQualityFilter(new CurationStepSpec.FineWeb(0.12, 0.67, 30, 0.01, 0.3));

  private StepOutcome judge(String text) {
    return filter.apply(new Document("page.html", text));
  }

  @Test
  void keepsProse() {
    String prose = ENGLISH_PARAGRAPH.replace(". ", ".\n");
    assertEquals(StepOutcome.keep(new Document("page.html", prose)), judge(prose));
  }

  @Test
  void dropsPagesWhoseLinesRarelyEndInPunctuation() {
    StringBuilder menu = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      menu.append("Products and services for your home, aisle ").append(i).append('\n');
    }
    assertEquals(StepOutcome.drop(FineWebQualityFilter.LINE_PUNCTUATION), judge(menu + "The end of the catalogue."));
  }

  @Test
  void dropsPagesOfShortLines() {
    String text = "Home.\nNews.\nSport.\nWeather.\n" + ENGLISH_PARAGRAPH;
    assertEquals(StepOutcome.drop(FineWebQualityFilter.SHORT_LINES), judge(text));
  }

  @Test
  void dropsPagesWithDuplicatedLines() {
    String line = "Subscribe to our newsletter for the latest news and offers.";
    String text = ENGLISH_PARAGRAPH.replace(". ", ".\n") + "\n" + line + "\n" + line;
    assertEquals(StepOutcome.drop(FineWebQualityFilter.DUPLICATE_LINE_CHARS), judge(text));
  }

  @Test
  void dropsLists() {
    StringBuilder list = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      list.append("Internationalization-").append(i).append(" documentation.\n"); // 2 long words a line
    }
    assertEquals(StepOutcome.drop(FineWebQualityFilter.LIST), judge(list.toString()));
  }
}
