package dev.kiln.activities.curation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HtmlTextExtractorTest {

  private final HtmlTextExtractor extractor = new HtmlTextExtractor();

  private String extracted(String id, String text) {
    return ((StepOutcome.Keep) extractor.apply(new Document(id, text))).document().text();
  }

  @Test
  void removesBoilerplateAndKeepsParagraphs() {
    String page = """
        <html><head><title>Page</title><style>p { color: red }</style></head><body>
        <div id="banner"><a href="/get">Download the ebook</a></div>
        <header>Site header</header>
        <nav><a href="/">Home</a> | <a href="/about">About</a></nav>
        <ul class="docnav top"><li class="previous"><a href="a.html">Prev</a></li><li class="next">Next</li></ul>
        <div class="breadcrumb">Home &gt; Docs</div>
        <div class="toc"><a href="#a">1. Intro</a></div>
        <h1>The   apt-cache
           Command</h1>
        <div class="para">APT keeps   a <code>cache</code>
           of package lists.</div>
        <div class="sidebar"><p>VOCABULARY: a cache is a temporary store.</p></div>
        <pre>$ apt-cache policy
          Installed: 1.0</pre>
        <p>Line one<br>line two</p>
        <script>var tracking = 1;</script>
        <form><input name="q"><button>Search</button></form>
        <aside>Related posts</aside>
        <footer>Copyright 2022</footer>
        </body></html>""";
    assertEquals(
        "The apt-cache Command\n\n"
            + "APT keeps a cache of package lists.\n\n"
            + "VOCABULARY: a cache is a temporary store.\n\n"
            + "$ apt-cache policy\n  Installed: 1.0\n\n"
            + "Line one\nline two",
        extracted("page.html", page));
  }

  @Test
  void plainTextPassesThroughWithNormalisedNewlines() {
    assertEquals("first line\nsecond line\n\nthird", extracted("book.txt", "first line\r\nsecond line\r\rthird\n"));
  }

  @Test
  void dropsPagesWithNothingButChrome() {
    String page = "<html><body><nav>Home</nav><div class=\"footer\">(c)</div><script>x()</script></body></html>";
    assertEquals(StepOutcome.drop(HtmlTextExtractor.NO_TEXT), extractor.apply(new Document("empty.html", page)));
  }

  @Test
  void handbookPageLosesItsRepeatedNavigation() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(CurationFixtures.hasHandbook(), "handbook data not fetched");
    String page = java.nio.file.Files.readString(
        CurationFixtures.dataDir().resolve("raw/debian-handbook/en-US/sect.apt-cache.html"));
    String text = extracted("sect.apt-cache.html", page);
    assertFalse(text.contains("Download the ebook"));
    assertFalse(text.contains("Prev"));
    assertTrue(text.startsWith("6.3. The apt-cache Command"), text.substring(0, 80));
    assertTrue(text.contains("A cache is a temporary storage system"));
  }
}
