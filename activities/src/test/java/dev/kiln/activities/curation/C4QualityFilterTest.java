package dev.kiln.activities.curation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.workflows.spec.CurationStepSpec;
import org.junit.jupiter.api.Test;

class C4QualityFilterTest {

  private static final CurationStepSpec.C4 C4 = new CurationStepSpec.C4(true, 3, 1000, 5);
  private static final CurationStepSpec.C4 FINEWEB_C4 = new CurationStepSpec.C4(false, 3, 1000, 5);

  private static final String PROSE = "The river rose in the night. Farmers moved their animals to higher ground.\n"
      + "By morning the bridge was closed. Schools sent the children home early.\n"
      + "The mayor asked people to stay indoors until the water went down.";

  private static StepOutcome judge(CurationStepSpec.C4 spec, String text) {
    return new C4QualityFilter(spec).apply(new Document("page.html", text));
  }

  @Test
  void keepsProse() {
    assertEquals(StepOutcome.keep(new Document("page.html", PROSE)), judge(C4, PROSE));
  }

  @Test
  void removesJavascriptPolicyShortAndUnpunctuatedLinesAndCitations() {
    String page = "Please enable JavaScript to view this site.\n" + PROSE.replace("closed.", "closed.[3]")
        + "\nThis site uses cookies to improve your experience.\nShare this\nRead more about the flood below";
    assertEquals(StepOutcome.keep(new Document("page.html", PROSE)), judge(C4, page));
  }

  @Test
  void fineWebKeepsUnpunctuatedLines() {
    String page = PROSE + "\nRead more about the flood below";
    assertEquals(StepOutcome.keep(new Document("page.html", page)), judge(FINEWEB_C4, page));
  }

  @Test
  void dropsLoremIpsum() {
    assertEquals(StepOutcome.drop(C4QualityFilter.LOREM_IPSUM), judge(C4, PROSE + "\nLorem ipsum dolor sit amet."));
  }

  @Test
  void dropsCode() {
    assertEquals(StepOutcome.drop(C4QualityFilter.CURLY_BRACE), judge(C4, PROSE + "\nfunction f() { return 1; }."));
  }

  @Test
  void dropsPagesWithTooFewSentences() {
    assertEquals(StepOutcome.drop(C4QualityFilter.TOO_FEW_SENTENCES), judge(C4, "The river rose in the night. It rained."));
  }
}
