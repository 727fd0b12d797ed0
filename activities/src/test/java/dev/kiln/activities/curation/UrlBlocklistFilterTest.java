package dev.kiln.activities.curation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.curation.web.UrlBlocklist;
import dev.kiln.activities.storage.LocalBucket;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.spec.CurationStepSpec;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The URL blocklist step over the committed UT1-layout fixture (src/test/resources/ut1). */
class UrlBlocklistFilterTest {
  private static final Path UT1 = Path.of("src/test/resources/ut1");

  private static UrlBlocklist fixture(String... categories) throws Exception {
    UrlBlocklist list = new UrlBlocklist();
    for (String category : categories) {
      Path dir = UT1.resolve(category);
      list.addDomains(category, Files.exists(dir.resolve("domains")) ? Files.readAllBytes(dir.resolve("domains")) : null);
      list.addUrls(category, Files.exists(dir.resolve("urls")) ? Files.readAllBytes(dir.resolve("urls")) : null);
    }
    return list;
  }

  private static StepOutcome apply(UrlBlocklistFilter filter, String url) {
    return filter.apply(new Document("doc", "some text", url));
  }

  @Test
  void dropsListedDomainsTheirSubdomainsAndListedUrls() throws Exception {
    UrlBlocklistFilter filter = new UrlBlocklistFilter(fixture("adult", "malware", "phishing"));
    assertEquals(StepOutcome.drop("url:blocklisted:adult"), apply(filter, "https://example-adult.test/"));
    assertEquals(StepOutcome.drop("url:blocklisted:adult"), apply(filter, "http://WWW.Example-Adult.test/page?utm_source=x"));
    assertEquals(StepOutcome.drop("url:blocklisted:adult"), apply(filter, "https://deep.sub.adult-sites.test/a"));
    assertEquals(StepOutcome.drop("url:blocklisted:malware"), apply(filter, "http://cdn.evil-cdn.test/x.js"));
    assertEquals(StepOutcome.drop("url:blocklisted:malware"), apply(filter, "http://malware.test:80/"));
    // a listed URL blocks that page under any scheme, with or without www. and a trailing slash
    assertEquals(StepOutcome.drop("url:blocklisted:adult"), apply(filter, "https://free-hosting.test/~someone/explicit.html"));
    assertEquals(StepOutcome.drop("url:blocklisted:adult"), apply(filter, "http://www.free-hosting.test/gallery"));
    assertEquals(StepOutcome.drop("url:blocklisted:phishing"), apply(filter, "https://phish-bank.test/login#top"));
    // but not the rest of the host, nor look-alike hosts, nor the parent of a listed subdomain
    assertInstanceOf(StepOutcome.Keep.class, apply(filter, "https://free-hosting.test/~other/page.html"));
    assertInstanceOf(StepOutcome.Keep.class, apply(filter, "https://notexample-adult.test/"));
    assertInstanceOf(StepOutcome.Keep.class, apply(filter, "https://adult-sites.test/"));
    assertInstanceOf(StepOutcome.Keep.class, apply(filter, "https://phish-bank.test/"));
  }

  @Test
  void documentsWithoutUsableUrlPass() throws Exception {
    UrlBlocklistFilter filter = new UrlBlocklistFilter(fixture("adult"));
    Document book = new Document("raw/gutenberg/austen-emma.txt", "text");
    assertEquals(StepOutcome.keep(book), filter.apply(book));
    assertInstanceOf(StepOutcome.Keep.class, apply(filter, "mailto:someone@example-adult.test"));
  }

  @Test
  void onlyTheProfilesCategoriesApply() throws Exception {
    UrlBlocklistFilter filter = new UrlBlocklistFilter(fixture("malware"));
    assertInstanceOf(StepOutcome.Keep.class, apply(filter, "https://example-adult.test/"));
  }

  @Test
  void readsTheListFromTheBucketAndNamesAMissingCategory(@TempDir Path dir) throws Exception {
    try (LocalBucket bucket = LocalBucket.start(dir, "kiln-test")) {
      ObjectStore store = bucket.store();
      try (Stream<Path> files = Files.walk(UT1)) {
        for (Path file : files.filter(Files::isRegularFile).toList()) {
          store.put("lists/ut1/" + UT1.relativize(file).toString().replace('\\', '/'), Files.readAllBytes(file));
        }
      }
      StoreCurationResources resources = new StoreCurationResources(store);
      UrlBlocklist list = resources.urlBlocklist(new CurationStepSpec.UrlBlocklist("lists/ut1", List.of("adult", "phishing")));
      assertEquals(2, list.domainCount());
      assertEquals(3, list.urlCount());
      assertTrue(list.category("https://phish-bank.test/login").isPresent());
      assertFalse(list.category("https://malware.test/").isPresent());

      ApplicationFailure failure = assertThrows(ApplicationFailure.class, () -> resources.urlBlocklist(
          new CurationStepSpec.UrlBlocklist("lists/ut1/", List.of("adult", "gambling"))));
      assertEquals(Failures.BAD_DATA, failure.getType());
      assertTrue(failure.getOriginalMessage().contains("lists/ut1/gambling/domains"), failure.getOriginalMessage());
      assertTrue(failure.getOriginalMessage().contains("Fix:"), failure.getOriginalMessage());
      assertTrue(failure.isNonRetryable());
    }
  }
}
