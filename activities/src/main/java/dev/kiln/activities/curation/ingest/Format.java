package dev.kiln.activities.curation.ingest;

import dev.kiln.workflows.spec.RunSpec;
import java.util.Locale;

/**
 * How a raw object is read. Containers ({@link #WARC}, {@link #JSONL}, {@link #PARQUET}) hold many records and are
 * planned in slices; {@link #DOCUMENT} is one HTML or text document per object, typed by its extension and content.
 */
public enum Format {
  WARC("warc"),
  JSONL("jsonl"),
  PARQUET("parquet"),
  DOCUMENT("document");

  private final String id;

  Format(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  public static Format ofId(String id) {
    for (Format f : values()) {
      if (f.id.equals(id)) {
        return f;
      }
    }
    throw new IllegalArgumentException("no format '" + id + "'");
  }

  /**
   * The format of {@code key} under the spec's {@code data.format}: an explicit container format applies to every
   * object, {@code html} and {@code text} make every object one document, and {@code auto} goes by the extension
   * (anything else is one document, typed later by sniffing its content).
   */
  public static Format of(String key, String specFormat) {
    String f = specFormat == null ? RunSpec.DataSpec.AUTO : specFormat;
    switch (f) {
      case "warc":
        return WARC;
      case "jsonl":
        return JSONL;
      case "parquet":
        return PARQUET;
      case "html":
      case "text":
        return DOCUMENT;
      default:
        return byExtension(key);
    }
  }

  static Format byExtension(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    if (k.endsWith(".warc") || k.endsWith(".warc.gz") || k.endsWith(".wet") || k.endsWith(".wet.gz")) {
      return WARC;
    }
    if (k.endsWith(".jsonl") || k.endsWith(".jsonl.gz") || k.endsWith(".jsonl.zst")
        || k.endsWith(".ndjson") || k.endsWith(".ndjson.gz") || k.endsWith(".ndjson.zst")) {
      return JSONL;
    }
    if (k.endsWith(".parquet")) {
      return PARQUET;
    }
    return DOCUMENT;
  }

  /** The compression an object's key names: {@code gz}, {@code zst}, or null for none. */
  public static String compression(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.endsWith(".gz") ? "gz" : k.endsWith(".zst") ? "zst" : null;
  }
}
