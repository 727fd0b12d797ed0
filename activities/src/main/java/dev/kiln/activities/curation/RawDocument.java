package dev.kiln.activities.curation;

import java.util.Locale;

/**
 * One raw document as read from storage: where it came from, its undecoded bytes, whether it is HTML or plain
 * text, its URL when the source records one (else null), and the charset its source declares (a WARC response's
 * HTTP Content-Type; else null), which {@link TextDecoder} tries before guessing. {@code typeDeclared} says the
 * source named the type (a WARC record's Content-Type, a WET conversion record, the run spec's data format)
 * rather than it being guessed from the key's extension or the first bytes; only a declared type travels on to
 * {@link HtmlTextExtractor}, which otherwise goes by the id's extension.
 */
public record RawDocument(String id, byte[] content, String contentType, String url, String charset,
    boolean typeDeclared) {

  public static final String HTML = "text/html";
  public static final String PLAIN_TEXT = "text/plain";

  /** How far into an object {@link #sniff} looks for the start of an HTML document. */
  static final int SNIFF_BYTES = 1024;

  public RawDocument(String id, byte[] content, String contentType) {
    this(id, content, contentType, null, null);
  }

  public RawDocument(String id, byte[] content, String contentType, String url) {
    this(id, content, contentType, url, null);
  }

  /** A document whose type was guessed (by extension or by its bytes), not declared by its source. */
  public RawDocument(String id, byte[] content, String contentType, String url, String charset) {
    this(id, content, contentType, url, charset, false);
  }

  /** A document whose source declares its type ({@code HTML} or {@code PLAIN_TEXT}). */
  public static RawDocument declared(String id, byte[] content, String contentType, String url, String charset) {
    return new RawDocument(id, content, contentType, url, charset, true);
  }

  /** The type the source declared, or null when it was guessed. */
  public String declaredType() {
    return typeDeclared ? contentType : null;
  }

  /** The type that the object key's extension names: HTML for .html, .htm and .xhtml, else plain text. */
  public static String contentTypeOf(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    return lower.endsWith(".html") || lower.endsWith(".htm") || lower.endsWith(".xhtml") ? HTML : PLAIN_TEXT;
  }

  /**
   * The type of a one-document object: HTML when the key's extension says so, or when its first kilobyte begins
   * (after a byte-order mark, white space and comments) with an HTML doctype or tag; else plain text.
   */
  public static String sniff(String key, byte[] content) {
    if (HTML.equals(contentTypeOf(key))) {
      return HTML;
    }
    return looksLikeHtml(content) ? HTML : PLAIN_TEXT;
  }

  /** True when the bytes begin like an HTML document: {@code <!doctype html}, {@code <html} or {@code <head}. */
  public static boolean looksLikeHtml(byte[] content) {
    String head = new String(content, 0, Math.min(content.length, SNIFF_BYTES), java.nio.charset.StandardCharsets.ISO_8859_1)
        .toLowerCase(Locale.ROOT);
    int i = head.startsWith("\u00ef\u00bb\u00bf") ? 3 : 0; // UTF-8 byte-order mark, read as Latin-1
    while (i < head.length()) {
      if (Character.isWhitespace(head.charAt(i))) {
        i++;
      } else if (head.startsWith("<!--", i)) {
        int close = head.indexOf("-->", i);
        if (close < 0) {
          return false;
        }
        i = close + 3;
      } else if (head.startsWith("<?xml", i)) {
        int close = head.indexOf("?>", i);
        if (close < 0) {
          return false;
        }
        i = close + 2;
      } else {
        return head.startsWith("<!doctype html", i) || head.startsWith("<html", i) || head.startsWith("<head", i);
      }
    }
    return false;
  }

  /** A whole object as one document, typed by its extension, then by its content. */
  public static RawDocument of(String key, byte[] content) {
    return new RawDocument(key, content, sniff(key, content));
  }

  public boolean isHtml() {
    return HTML.equals(contentType);
  }
}
