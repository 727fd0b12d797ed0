package dev.kiln.activities.curation;

import static dev.kiln.activities.curation.CurationFixtures.ENGLISH_PARAGRAPH;
import static dev.kiln.activities.curation.CurationFixtures.FRENCH_PARAGRAPH;
import static dev.kiln.activities.curation.CurationFixtures.GOPHER_ENGLISH;
import static dev.kiln.activities.curation.CurationFixtures.WHITESPACE_TOKENS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.curation.CurationPipeline.ShardOutcome;
import dev.kiln.workflows.curation.StepStats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class CurationPipelineTest {

  private final CurationPipeline pipeline = new CurationPipeline(GOPHER_ENGLISH, Map.of(), WHITESPACE_TOKENS);

  private static RawDocument raw(String key, String text) {
    return RawDocument.of(key, text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void runsEveryStepInOrderAndAccountsForEachDocument() {
    String englishPage = "<html><body><nav>Home | Next</nav><p>" + ENGLISH_PARAGRAPH + "</p></body></html>";
    List<RawDocument> docs = List.of(
        raw("a.html", englishPage),
        new RawDocument("junk.bin", new byte[] {0, 1, 2, 0, 3}, RawDocument.PLAIN_TEXT),
        raw("b.html", "<html><body><nav>only navigation</nav></body></html>"),
        raw("c.txt", FRENCH_PARAGRAPH),
        raw("d.txt", "The end of the story, with the cat, that we have told.\n"));

    ShardOutcome outcome = pipeline.run(docs);

    assertEquals(List.of(new Document("a.html", ENGLISH_PARAGRAPH)), outcome.kept());
    List<StepStats> steps = outcome.steps();
    assertEquals(List.of("decode", "extract", "language", "gopher-quality"), steps.stream().map(StepStats::step).toList());
    assertEquals(Map.of("undecodable", 1L), steps.get(0).droppedByReason());
    assertEquals(Map.of("no-text", 1L), steps.get(1).droppedByReason());
    assertEquals(Map.of("language:fr", 1L), steps.get(2).droppedByReason());
    assertEquals(Map.of("gopher:word-count", 1L), steps.get(3).droppedByReason());
    assertEquals(5, steps.get(0).documentsIn());
    assertEquals(1, steps.get(3).documentsKept());
    int englishWords = WHITESPACE_TOKENS.applyAsInt(ENGLISH_PARAGRAPH);
    assertEquals(englishWords, steps.get(3).tokensKept());
    assertEquals(steps.get(1).tokensKept(), steps.get(2).tokensIn(), "tokens flow from one step to the next");
    assertTrue(steps.get(1).tokensIn() > steps.get(1).tokensKept(), "extraction removes markup tokens");
  }

  @Test
  void isDeterministic() {
    List<RawDocument> docs = List.of(raw("a.txt", ENGLISH_PARAGRAPH), raw("b.txt", FRENCH_PARAGRAPH));
    assertEquals(pipeline.run(docs).kept(), pipeline.run(docs).kept());
  }

  /** The real, messy crawl: boilerplate on every page, 26 languages, many untranslated pages. */
  @Test
  void keepsEnglishHandbookPagesAndDropsTranslatedOnes() throws IOException {
    Assumptions.assumeTrue(CurationFixtures.hasHandbook(), "handbook data not fetched (infra/fetch-data.sh)");
    Path handbook = CurationFixtures.dataDir().resolve("raw/debian-handbook");
    List<RawDocument> english = readPages(handbook.resolve("en-US"), 50);
    List<RawDocument> translated = new ArrayList<>();
    for (String language : List.of("fr-FR", "de-DE", "ja-JP", "ru-RU", "es-ES")) {
      translated.addAll(readPages(handbook.resolve(language), 10));
    }
    List<RawDocument> all = new ArrayList<>(english);
    all.addAll(translated);

    long start = System.nanoTime();
    ShardOutcome outcome = pipeline.run(all);
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("handbook: %d pages in %.2f s (%.0f docs/s), kept %d; %s%n",
        all.size(), seconds, all.size() / seconds, outcome.kept().size(), outcome.steps());

    List<String> keptIds = outcome.kept().stream().map(Document::id).toList();
    long englishKept = keptIds.stream().filter(id -> id.contains("/en-US/")).count();
    assertTrue(englishKept >= 0.8 * english.size(), "English pages kept: " + englishKept + " of " + english.size());
    StepStats language = outcome.steps().get(2);
    long droppedAsForeign = language.droppedByReason().entrySet().stream()
        .filter(reason -> !reason.getKey().equals("language:unknown") && !reason.getKey().equals("language:en"))
        .mapToLong(Map.Entry::getValue)
        .sum();
    assertTrue(droppedAsForeign >= 0.5 * translated.size(), "dropped as another language: " + language.droppedByReason());
    for (Document kept : outcome.kept()) {
      assertTrue(!kept.text().contains("Download the ebook"), "banner left in " + kept.id());
    }
  }

  private static List<RawDocument> readPages(Path dir, int count) throws IOException {
    try (Stream<Path> pages = Files.list(dir)) {
      List<Path> sorted = pages.sorted().limit(count).toList();
      List<RawDocument> docs = new ArrayList<>();
      for (Path page : sorted) {
        docs.add(RawDocument.of("debian-handbook/" + dir.getFileName() + "/" + page.getFileName(), Files.readAllBytes(page)));
      }
      return docs;
    }
  }
}
