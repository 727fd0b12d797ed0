package dev.kiln.activities.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.curation.CurationResourcesCheck;
import dev.kiln.activities.storage.LocalBucket;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.workflows.spec.CurationProfile;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.spec.SpecProblem;
import dev.kiln.workflows.spec.CurationStepSpec;
import dev.kiln.workflows.spec.InvalidRunSpecException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The web-crawl example profile and the checks of the urlBlocklist, qualityClassifier and perplexity steps. */
class WebCrawlProfileTest {
  private static final Path SPEC = Path.of("..", "configs", "tiny-gpt.yaml");
  private static final Path PROFILE = Path.of("..", "configs", "curation", "web-crawl.yaml");
  private static final String PERPLEXITY = """
        # - perplexity:
        #     model: tiny-gpt           # a hub id
        #     maxPerplexity: 1000       # or keepFraction: 0.5 (the least perplexing half of each shard)
        #     maxTokens: 512            # tokens of each document scored
      """;

  @Test
  void theExampleProfileLoads() throws IOException {
    CurationProfile profile = RunSpecLoader.parseProfile(Files.readAllBytes(PROFILE), PROFILE.toString());
    assertEquals(new CurationStepSpec.UrlBlocklist("lists/ut1/", List.of("adult", "malware", "phishing", "dating", "gambling")),
        profile.steps().get(0));
    assertEquals(new CurationStepSpec.QualityClassifier("models/quality/books-vs-web/", null, 0.3),
        profile.steps().stream().filter(s -> s instanceof CurationStepSpec.QualityClassifier).findFirst().orElseThrow());
  }

  @Test
  void theCommentedPerplexityStepLoadsWhenUncommented(@TempDir Path dir) throws IOException {
    String profile = Files.readString(PROFILE);
    assertTrue(profile.contains(PERPLEXITY.stripIndent()), "the example is in the profile");
    String uncommented = profile.replace(PERPLEXITY.stripIndent(), PERPLEXITY.replaceAll("(?m)^  # ", "  "));
    CurationProfile parsed = RunSpecLoader.parseProfile(uncommented.getBytes(StandardCharsets.UTF_8), "web-crawl.yaml");
    assertTrue(parsed.steps().contains(new CurationStepSpec.Perplexity("tiny-gpt", 1000.0, null, 512)));
    RunSpecLoader.parse(spec(dir, uncommented), "configs/web.yaml", dir); // and it validates
  }

  static Stream<Arguments> badSteps() {
    return Stream.of(
        Arguments.of("both thresholds", "keepFraction: 0.3", "keepFraction: 0.3\n      minScore: 0.5",
            "steps[5].minScore/keepFraction", "are both given"),
        Arguments.of("no threshold", "      keepFraction: 0.3\n", "", "minScore/keepFraction", "are both missing"),
        Arguments.of("fraction out of range", "keepFraction: 0.3", "keepFraction: 30", "steps[5].keepFraction", "outside (0, 1]"),
        Arguments.of("no categories", "categories: [adult, malware, phishing, dating, gambling]", "categories: []",
            "steps[0].categories", "UT1 category"),
        Arguments.of("unknown field", "list: lists/ut1/", "lists: lists/ut1/", "urlBlocklist.lists", "not a known field"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badSteps")
  void aBadStepIsRejectedNamingFieldAndFix(String name, String from, String to, String field, String expected,
      @TempDir Path dir) throws IOException {
    String profile = Files.readString(PROFILE);
    assertTrue(profile.contains(from));
    InvalidRunSpecException e = assertThrows(InvalidRunSpecException.class,
        () -> RunSpecLoader.parse(spec(dir, profile.replace(from, to)), "configs/web.yaml", dir));
    assertTrue(e.getMessage().contains(field), "names " + field + ": " + e.getMessage());
    assertTrue(e.getMessage().contains(expected), "says " + expected + ": " + e.getMessage());
  }

  @Test
  void beforeTheRunStartsMissingBlocklistsAndModelsAreNamed(@TempDir Path dir) throws Exception {
    RunSpec spec = RunSpecLoader.parse(spec(dir, Files.readString(PROFILE)), "configs/web.yaml", dir);
    try (LocalBucket bucket = LocalBucket.start(Files.createDirectories(dir.resolve("s3")), "kiln-test")) {
      ObjectStore store = bucket.store();
      List<SpecProblem> problems = CurationResourcesCheck.problems(spec, store);
      assertEquals(6, problems.size(), problems.toString());
      assertEquals("curation.profile.steps[5].model", problems.get(5).field());
      assertTrue(problems.get(5).fix().contains("kiln quality train --out models/quality/books-vs-web/"), problems.toString());

      Path ut1 = Path.of("src/test/resources/ut1");
      for (String file : List.of("adult/domains", "adult/urls", "malware/domains", "phishing/urls")) {
        store.put("lists/ut1/" + file, Files.readAllBytes(ut1.resolve(file)));
      }
      store.put("models/quality/books-vs-web/model.json", new byte[] {'{', '}'});
      store.put("models/quality/books-vs-web/weights.bin", new byte[] {0});
      assertEquals(List.of("names 'dating'", "names 'gambling'"), CurationResourcesCheck.problems(spec, store).stream()
          .map(p -> p.problem().substring(0, p.problem().indexOf(',')).strip()).toList());
    }
  }

  private static byte[] spec(Path dir, String profile) throws IOException {
    Files.createDirectories(dir.resolve("curation"));
    Files.writeString(dir.resolve("curation/web-crawl.yaml"), profile);
    return Files.readString(SPEC).replace("curation/english-web.yaml", "curation/web-crawl.yaml").getBytes(StandardCharsets.UTF_8);
  }
}
