package dev.kiln.activities.curation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.kiln.activities.curation.ingest.IngestFixtures.Collected;
import dev.kiln.activities.curation.ingest.IngestFixtures.MemorySource;
import dev.kiln.activities.curation.ingest.WarcRecords;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.netpreserve.jwarc.HttpResponse;
import org.netpreserve.jwarc.MediaType;
import org.netpreserve.jwarc.WarcCompression;
import org.netpreserve.jwarc.WarcResponse;
import org.netpreserve.jwarc.WarcWriter;

/** Extraction reads a document as HTML or plain text by the type its source declared, not by its id or URL. */
class ContentTypeExtractionTest {
  private static final Instant DATE = Instant.parse("2024-01-02T03:04:05Z");

  private static final String PAGE = "<!doctype html><html><head><title>T</title></head><body>"
      + "<nav><a href=\"/\">Home</a></nav><p>The <b>kiln</b> fires the clay.</p></body></html>";
  private static final String NOTES = "if a < b and b > c then <tag> stays\nx <= y";

  /** A WARC of responses {url, Content-Type or null, body}. */
  private static byte[] warc(List<String[]> responses) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (WarcWriter writer = new WarcWriter(java.nio.channels.Channels.newChannel(out), WarcCompression.GZIP)) {
      for (String[] r : responses) {
        byte[] body = r[2].getBytes(StandardCharsets.UTF_8);
        HttpResponse.Builder http = new HttpResponse.Builder(200, "OK");
        if (r[1] == null) {
          http.setHeader("Content-Length", String.valueOf(body.length)).body(null, body);
        } else {
          http.body(MediaType.parse(r[1]), body);
        }
        writer.write(new WarcResponse.Builder(URI.create(r[0])).date(DATE).body(http.build()).build());
      }
    }
    return out.toByteArray();
  }

  private static List<String> curated(byte[] warc) throws Exception {
    Collected read = new Collected();
    WarcRecords.read(new MemorySource().put("raw/crawl/part.warc.gz", warc), "raw/crawl/part.warc.gz", 0, warc.length, read);
    TextDecoder decoder = new TextDecoder();
    HtmlTextExtractor extractor = new HtmlTextExtractor();
    return read.documents.stream().map(raw -> {
      Document decoded = ((StepOutcome.Keep) decoder.decode(raw)).document();
      return ((StepOutcome.Keep) extractor.apply(decoded)).document().text();
    }).toList();
  }

  @Test
  void anHtmlResponseIsExtractedAsHtmlWhateverItsUrl() throws Exception {
    List<String> texts = curated(warc(List.<String[]>of(
        new String[] {"https://example.org/articles/kiln", "text/html; charset=utf-8", PAGE},
        new String[] {"https://example.org/page.php?id=7", "application/xhtml+xml", PAGE})));
    assertEquals(List.of("The kiln fires the clay.", "The kiln fires the clay."), texts);
  }

  @Test
  void aPlainTextResponseKeepsItsAngleBracketsEvenAtAnHtmlUrl() throws Exception {
    List<String> texts = curated(warc(List.<String[]>of(
        new String[] {"https://example.org/notes.html", "text/plain; charset=utf-8", NOTES},
        new String[] {"https://example.org/page.html", "text/plain", PAGE})));
    assertEquals(List.of(NOTES, PAGE), texts, "text/plain is never parsed as HTML");
  }

  @Test
  void withoutAContentTypeExtractionFallsBackToTheId() throws Exception {
    Collected read = new Collected();
    byte[] w = warc(List.<String[]>of(new String[] {"https://example.org/x", null, PAGE}));
    WarcRecords.read(new MemorySource().put("k.warc.gz", w), "k.warc.gz", 0, w.length, read);
    RawDocument raw = read.documents.get(0);
    assertFalse(raw.typeDeclared(), "sniffed, not declared");
    assertEquals(RawDocument.HTML, raw.contentType());
    Document decoded = ((StepOutcome.Keep) new TextDecoder().decode(raw)).document();
    assertNull(decoded.contentType());
    // the id "k.warc.gz#0" has no .html extension: as before, the text is read as plain text
    assertEquals(PAGE, ((StepOutcome.Keep) new HtmlTextExtractor().apply(decoded)).document().text());
  }

  @Test
  void aDeclaredTypeWinsOverTheIdsExtensionAndIsNotWrittenOut() throws Exception {
    HtmlTextExtractor extractor = new HtmlTextExtractor();
    Document html = new Document("raw/x/page-1", PAGE, null, RawDocument.HTML);
    Document text = new Document("raw/x/notes.html", NOTES, null, RawDocument.PLAIN_TEXT);
    assertEquals("The kiln fires the clay.", ((StepOutcome.Keep) extractor.apply(html)).document().text());
    assertEquals(NOTES, ((StepOutcome.Keep) extractor.apply(text)).document().text());
    assertEquals("The kiln fires the clay.", ((StepOutcome.Keep) extractor.apply(new Document("raw/x/p.html", PAGE))).document().text(),
        "no declared type: the extension, as before");
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    String written = json.writeValueAsString(html.withText("t"));
    assertEquals("{\"id\":\"raw/x/page-1\",\"text\":\"t\"}", written);
    assertEquals(new Document("raw/x/page-1", "t"), json.readValue(written, Document.class));
  }
}
