package dev.kiln.activities.curation;

import java.util.Locale;

/**
 * One raw document as read from storage: where it came from, its undecoded bytes, whether it is HTML or plain
 * text, and its URL when the source records one (else null).
 */
public record RawDocument(String id, byte[] content, String contentType, String url) {

  public static final String HTML = "text/html";
  public static final String PLAIN_TEXT = "text/plain";

  public RawDocument(String id, byte[] content, String contentType) {
    this(id, content, contentType, null);
  }

  /** Raw crawls carry no reliable headers, so the object key's extension decides. */
  public static String contentTypeOf(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    return lower.endsWith(".html") || lower.endsWith(".htm") || lower.endsWith(".xhtml") ? HTML : PLAIN_TEXT;
  }

  public static RawDocument of(String key, byte[] content) {
    return new RawDocument(key, content, contentTypeOf(key));
  }

  public boolean isHtml() {
    return HTML.equals(contentType);
  }
}
