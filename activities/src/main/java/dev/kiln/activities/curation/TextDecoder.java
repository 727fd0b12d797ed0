package dev.kiln.activities.curation;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * First step: bytes to text. Strict UTF-8 first, because a Latin-1 page with any accent is almost never
 * valid UTF-8; otherwise the charset the source declares ({@link RawDocument#charset()}, from a WARC response's
 * HTTP header), otherwise the charset an HTML page declares, otherwise windows-1252, otherwise ISO-8859-1
 * (which decodes any byte). Binary content is dropped as "undecodable". Never throws on bad bytes.
 */
public final class TextDecoder {

  public static final String NAME = "decode";
  public static final String UNDECODABLE = "undecodable";

  /** Text has no NUL bytes; binary formats nearly always do within their first kilobytes. */
  private static final int NUL_SCAN_BYTES = 8192;

  /** Above this share of control or replacement characters the "text" is binary junk. */
  private static final double MAX_JUNK_CHAR_FRACTION = 0.05;

  /** Browsers look for the declaration in the first 1024 bytes; allow a little more for long doctypes. */
  private static final int META_SCAN_BYTES = 4096;

  private static final Pattern META_CHARSET =
      Pattern.compile("<meta[^>]+charset\\s*=\\s*[\"']?([A-Za-z0-9_.:-]+)", Pattern.CASE_INSENSITIVE);

  private static final Charset WINDOWS_1252 = Charset.forName("windows-1252");

  public String name() {
    return NAME;
  }

  public StepOutcome decode(RawDocument raw) {
    byte[] bytes = raw.content();
    if (hasNulBytes(bytes)) {
      return StepOutcome.drop(UNDECODABLE);
    }
    String text = decodeText(bytes, raw.isHtml(), declared(raw.charset()));
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    if (isMostlyJunk(text)) {
      return StepOutcome.drop(UNDECODABLE);
    }
    return StepOutcome.keep(new Document(raw.id(), text, raw.url(), raw.declaredType()));
  }

  /**
   * Strict UTF-8 still comes first, even before a charset the source declares: crawled headers often name
   * ISO-8859-1 or windows-1252 for pages that are UTF-8, and those charsets decode any bytes, so trusting them first
   * would turn every such page into mojibake; valid UTF-8 that is really another charset is rare.
   */
  private static String decodeText(byte[] bytes, boolean html, Optional<Charset> byTransport) {
    Optional<String> utf8 = decodeStrictly(bytes, StandardCharsets.UTF_8);
    if (utf8.isPresent()) {
      return utf8.get();
    }
    Optional<String> byHeader = byTransport.flatMap(charset -> decodeStrictly(bytes, charset));
    if (byHeader.isPresent()) {
      return byHeader.get();
    }
    if (html) {
      Optional<String> declared = declaredCharset(bytes).flatMap(charset -> decodeStrictly(bytes, charset));
      if (declared.isPresent()) {
        return declared.get();
      }
    }
    return decodeStrictly(bytes, WINDOWS_1252).orElseGet(() -> new String(bytes, StandardCharsets.ISO_8859_1));
  }

  private static Optional<String> decodeStrictly(byte[] bytes, Charset charset) {
    try {
      CharBuffer chars = charset.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return Optional.of(chars.toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  /** The charset a source declared (e.g. an HTTP header's {@code charset=}), when Java knows it. */
  private static Optional<Charset> declared(String name) {
    if (name == null || name.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Charset.forName(name.strip().replace("\"", "")));
    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
      return Optional.empty();
    }
  }

  private static Optional<Charset> declaredCharset(byte[] bytes) {
    String head = new String(bytes, 0, Math.min(bytes.length, META_SCAN_BYTES), StandardCharsets.ISO_8859_1);
    Matcher matcher = META_CHARSET.matcher(head);
    if (!matcher.find()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Charset.forName(matcher.group(1)));
    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
      return Optional.empty();
    }
  }

  private static boolean hasNulBytes(byte[] bytes) {
    int end = Math.min(bytes.length, NUL_SCAN_BYTES);
    for (int i = 0; i < end; i++) {
      if (bytes[i] == 0) {
        return true;
      }
    }
    return false;
  }

  private static boolean isMostlyJunk(String text) {
    if (text.isEmpty()) {
      return false;
    }
    long junk = text.chars().filter(TextDecoder::isJunk).count();
    return junk > MAX_JUNK_CHAR_FRACTION * text.length();
  }

  private static boolean isJunk(int c) {
    boolean control = Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t' && c != '\f';
    return control || c == '\uFFFD';
  }
}
