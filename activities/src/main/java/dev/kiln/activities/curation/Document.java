package dev.kiln.activities.curation;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A document as text, identified by where it came from: the raw object's key, or for a record inside a
 * container (a WARC record, a JSONL line, a Parquet row) the object's key and the record's position or id.
 * {@code url} is the page's URL when the source has one (a WARC record's target URI, a dataset's url field),
 * else null and left out of the JSON. {@code contentType} is the type the source declared for the raw bytes
 * ({@link RawDocument#declaredType}: HTML or plain text), else null; it tells {@link HtmlTextExtractor} how to
 * read the text and is never written out.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Document(String id, String text, String url, @JsonIgnore String contentType) {

  public Document(String id, String text) {
    this(id, text, null, null);
  }

  public Document(String id, String text, String url) {
    this(id, text, url, null);
  }

  public Document withText(String newText) {
    return new Document(id, newText, url, contentType);
  }
}
