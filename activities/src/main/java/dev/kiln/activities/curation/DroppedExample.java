package dev.kiln.activities.curation;

/** A document a step dropped, for the curation report: which step, why, and how the document began. */
public record DroppedExample(String step, String reason, String documentId, String excerpt) {

  static final int EXCERPT_CHARS = 240;

  static DroppedExample of(String step, String reason, Document doc) {
    String text = doc.text() == null ? "" : doc.text().strip().replaceAll("\\s+", " ");
    return new DroppedExample(step, reason, doc.id(), text.length() > EXCERPT_CHARS ? text.substring(0, EXCERPT_CHARS) + "…" : text);
  }
}
