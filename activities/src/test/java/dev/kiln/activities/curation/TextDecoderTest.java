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
  void contentTypeFollowsTheExtension() {
    assertEquals(RawDocument.HTML, RawDocument.contentTypeOf("raw/handbook/en-US/apt.HTML"));
    assertEquals(RawDocument.PLAIN_TEXT, RawDocument.contentTypeOf("raw/gutenberg/austen-emma.txt"));
  }
}
