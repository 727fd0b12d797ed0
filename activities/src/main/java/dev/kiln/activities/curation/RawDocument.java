package dev.kiln.activities.curation;

import java.util.Locale;

/** One raw object as read from storage: its key, its undecoded bytes and whether it is HTML or plain text. */
public record RawDocument(String id, byte[] content, String contentType) {

  public static final String HTML = "text/html";
  public static final String PLAIN_TEXT = "text/plain";

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
