package dev.kiln.activities.curation;

/** A document as text, identified by the key of the raw object it came from. */
public record Document(String id, String text) {

  public Document withText(String newText) {
    return new Document(id, newText);
  }
}
