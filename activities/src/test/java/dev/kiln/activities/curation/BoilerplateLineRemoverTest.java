package dev.kiln.activities.curation;

import static dev.kiln.activities.curation.CurationFixtures.ENGLISH_PARAGRAPH;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.workflows.spec.CurationStepSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BoilerplateLineRemoverTest {

  private static final CurationStepSpec.BoilerplateLines FIVE_PAGES = new CurationStepSpec.BoilerplateLines(5, 0.1);
  private static final String NAVIGATION = "Home | Previous | Next | Contents";

  private static List<Document> site(int pages) {
    List<Document> docs = new ArrayList<>();
    for (int i = 0; i < pages; i++) {
      docs.add(new Document("page-" + i + ".html", NAVIGATION + "\n\nPage " + i + ": " + ENGLISH_PARAGRAPH + "\n\nCopyright 2024 Example Inc."));
    }
    return docs;
  }

  @Test
  void removesLinesRepeatedOnManyPagesOfTheShard() {
    List<Document> shard = site(6);
    BoilerplateLineRemover remover = BoilerplateLineRemover.forShard(shard, FIVE_PAGES);
    Document first = shard.get(0);
    assertEquals(StepOutcome.keep(first.withText("Page 0: " + ENGLISH_PARAGRAPH)), remover.apply(first));
  }

  @Test
  void keepsLinesOnFewerPagesThanTheThreshold() {
    List<Document> shard = site(4);
    BoilerplateLineRemover remover = BoilerplateLineRemover.forShard(shard, FIVE_PAGES);
    assertEquals(StepOutcome.keep(shard.get(0)), remover.apply(shard.get(0)));
  }

  @Test
  void keepsLinesOnManyPagesButTooSmallAShareOfALargeShard() {
    List<Document> shard = site(6);
    for (int i = 0; i < 60; i++) {
      shard.add(new Document("other-" + i + ".txt", "Another text number " + i + "."));
    }
    BoilerplateLineRemover remover = BoilerplateLineRemover.forShard(shard, FIVE_PAGES);
    assertEquals(StepOutcome.keep(shard.get(0)), remover.apply(shard.get(0)));
  }

  @Test
  void dropsAPageThatIsOnlyBoilerplate() {
    List<Document> shard = site(6);
    Document chromeOnly = new Document("index.html", NAVIGATION + "\nCopyright 2024 Example Inc.");
    shard.add(chromeOnly);
    assertEquals(StepOutcome.drop(BoilerplateLineRemover.NO_TEXT), BoilerplateLineRemover.forShard(shard, FIVE_PAGES).apply(chromeOnly));
  }
}
