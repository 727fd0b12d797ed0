package dev.kiln.activities.curation.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class UrlNormalizerTest {

  @Test
  void spellingsOfOnePageAreOneUrl() {
    String canonical = "https://example.org/Docs/a%2Fb?id=7";
    assertEquals(canonical, UrlNormalizer.normalize("HTTPS://Example.ORG:443/Docs/a%2fb?id=7#section"));
    assertEquals(canonical, UrlNormalizer.normalize("https://example.org./Docs/a%2Fb?utm_source=x&id=7&fbclid=y"));
    assertEquals("http://example.org/", UrlNormalizer.normalize("http://example.org"));
    assertEquals("http://example.org:8080/", UrlNormalizer.normalize("http://example.org:8080"));
  }

  @Test
  void pathAndQueryKeepTheirCaseAndOrder() {
    assertEquals("https://example.org/A?b=1&a=2", UrlNormalizer.normalize("https://example.org/A?b=1&a=2"));
  }

  @Test
  void notAWebUrlIsNull() {
    assertNull(UrlNormalizer.normalize(null));
    assertNull(UrlNormalizer.normalize(" "));
    assertNull(UrlNormalizer.normalize("mailto:someone@example.org"));
    assertNull(UrlNormalizer.normalize("/relative/path"));
    assertNull(UrlNormalizer.normalize("http://exa mple.org/"));
  }

  @Test
  void hostIsLowerCased() {
    assertEquals("news.example.org", UrlNormalizer.host("http://News.Example.org/x"));
  }
}
