package dev.kiln.activities.curation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TextDecoderTest {

  private final TextDecoder decoder = new TextDecoder();

  private String decodedText(RawDocument raw) {
    StepOutcome outcome = decoder.decode(raw);
    return ((StepOutcome.Keep) outcome).document().text();
  }

  @Test
  void decodesUtf8AndDropsTheByteOrderMark() {
    byte[] bytes = "\uFEFFcafé 東京 😀".getBytes(StandardCharsets.UTF_8);
    assertEquals("café 東京 😀", decodedText(RawDocument.of("a.txt", bytes)));
  }

  @Test
  void honoursTheDeclaredCharsetOfALatin1Page() {
    String page = "<html><head><meta charset=\"ISO-8859-1\"></head><body><p>Élève à l'école, ça va</p></body></html>";
    byte[] bytes = page.getBytes(StandardCharsets.ISO_8859_1);
    assertEquals(page, decodedText(RawDocument.of("page.html", bytes)));
  }

  @Test
  void fallsBackToWindows1252WithoutADeclaration() {
    String text = "“Smart quotes” – and a café";
    byte[] bytes = text.getBytes(Charset.forName("windows-1252"));
    assertEquals(text, decodedText(RawDocument.of("notes.txt", bytes)));
  }

  @Test
  void dropsBinaryJunkWithoutThrowing() {
    byte[] junk = new byte[4096];
    new Random(7).nextBytes(junk);
    assertEquals(StepOutcome.drop(TextDecoder.UNDECODABLE), decoder.decode(RawDocument.of("x.html", junk)));

    byte[] noNuls = junk.clone();
    for (int i = 0; i < noNuls.length; i++) {
      noNuls[i] = noNuls[i] == 0 ? 1 : noNuls[i];
    }
    assertEquals(StepOutcome.drop(TextDecoder.UNDECODABLE), decoder.decode(RawDocument.of("x.txt", noNuls)));
  }

  @Test
  void usesTheCharsetTheSourceDeclaresWhenTheBytesAreNotUtf8() {
    String russian = "Привет, мир: это страница на русском языке";
    byte[] bytes = russian.getBytes(Charset.forName("windows-1251"));
    assertEquals(russian, decodedText(new RawDocument("r", bytes, RawDocument.PLAIN_TEXT, null, "windows-1251")));
    // without the header the bytes are taken for windows-1252, as before
    assertEquals(new String(bytes, Charset.forName("windows-1252")), decodedText(new RawDocument("r", bytes, RawDocument.PLAIN_TEXT)));
    // a header that mislabels UTF-8 does not turn it into mojibake, and an unknown charset is ignored
    byte[] utf8 = russian.getBytes(StandardCharsets.UTF_8);
    assertEquals(russian, decodedText(new RawDocument("r", utf8, RawDocument.PLAIN_TEXT, null, "ISO-8859-1")));
    assertEquals(russian, decodedText(new RawDocument("r", utf8, RawDocument.PLAIN_TEXT, null, "x-no-such-charset")));
  }

  @Test
  void aDocumentWithoutAnHtmlExtensionIsTypedByItsContent() {
    byte[] page = "\n  <!DOCTYPE html>\n<html><body><p>Hello</p></body></html>".getBytes(StandardCharsets.UTF_8);
    byte[] commented = "<!-- saved page --><HTML><p>x</p></HTML>".getBytes(StandardCharsets.UTF_8);
    byte[] text = "A plain text that mentions <html> later on.".getBytes(StandardCharsets.UTF_8);
    assertEquals(RawDocument.HTML, RawDocument.of("raw/crawl/page-1", page).contentType());
    assertEquals(RawDocument.HTML, RawDocument.of("raw/crawl/page.txt", commented).contentType());
    assertEquals(RawDocument.PLAIN_TEXT, RawDocument.of("raw/crawl/notes.txt", text).contentType());
    assertEquals(RawDocument.HTML, RawDocument.of("raw/crawl/empty.html", new byte[0]).contentType());
  }

  @Test
  void contentTypeFollowsTheExtension() {
    assertEquals(RawDocument.HTML, RawDocument.contentTypeOf("raw/handbook/en-US/apt.HTML"));
    assertEquals(RawDocument.PLAIN_TEXT, RawDocument.contentTypeOf("raw/gutenberg/austen-emma.txt"));
  }
}
