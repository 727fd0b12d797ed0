package dev.kiln.activities.curation.ingest;

import dev.kiln.activities.curation.RawDocument;

/** Where a reader puts what it reads: documents, and records it could not turn into one. */
public interface RecordSink {
  void accept(RawDocument document);

  void drop(IngestDrop drop);
}
