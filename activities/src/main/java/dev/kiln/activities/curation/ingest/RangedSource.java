package dev.kiln.activities.curation.ingest;

import java.io.InputStream;

/** Ranged reads of stored objects ({@code ObjectStore::open} in production; byte arrays in tests). */
public interface RangedSource {
  /** The bytes of {@code key} in {@code [start, end)}; {@code end} -1 reads to the object's end. */
  InputStream open(String key, long start, long end);

  /** The object's size in bytes. */
  long size(String key);
}
