package dev.kiln.activities.curation.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdIOException;
import com.github.luben.zstd.ZstdInputStream;
import dev.kiln.activities.curation.RawDocument;
import dev.kiln.workflows.spec.RunSpec.DataSpec.Fields;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads JSON Lines (plain, .gz or .zst): one JSON object per line, with the configured text, id and url fields.
 * Blank lines are not records. A line that is not a JSON object is dropped as {@code jsonl:not-json}, one without
 * a string text field as {@code jsonl:missing-field}; a compressed stream that ends early or is corrupt is counted
 * once as {@code jsonl:truncated} or {@code jsonl:corrupt} and ends the slice. A document's id is the id field, else
 * {@code <key>#<byte offset of the line>} (plain) or {@code <key>#r<line ordinal>} (compressed).
 */
public final class JsonlRecords {
  public static final String NOT_JSON = "jsonl:not-json";
  public static final String MISSING_FIELD = "jsonl:missing-field";
  public static final String TRUNCATED = "jsonl:truncated";
  public static final String CORRUPT = "jsonl:corrupt";

  private static final ObjectMapper JSON = new ObjectMapper();

  private JsonlRecords() {}

  /** The object's bytes decompressed as its key's extension says (.gz, .zst), or as they are. */
  public static InputStream decompressed(InputStream in, String key) throws IOException {
    String c = Format.compression(key);
    if ("gz".equals(c)) {
      return new GZIPInputStream(in, 1 << 16);
    }
    if ("zst".equals(c)) {
      return new ZstdInputStream(new BufferedInputStream(in, 1 << 16));
    }
    return in;
  }

  /** Line reading with byte positions; {@code null} at the end. */
  static final class Lines {
    private final InputStream in;
    private long position;
    private long lineStart;

    Lines(InputStream in, long position) {
      this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 1 << 16);
      this.position = position;
    }

    /** Skips up to and including the next newline. */
    void skipLine() throws IOException {
      for (int b; (b = in.read()) >= 0; ) {
        position++;
        if (b == '\n') {
          return;
        }
      }
    }

    byte[] next() throws IOException {
      lineStart = position;
      ByteArrayOutputStream line = new ByteArrayOutputStream(256);
      int b;
      while ((b = in.read()) >= 0) {
        position++;
        if (b == '\n') {
          return line.toByteArray();
        }
        line.write(b);
      }
      return line.size() == 0 ? null : line.toByteArray();
    }

    long lineStart() {
      return lineStart;
    }

    long position() {
      return position;
    }
  }

  /**
   * Reads the lines of a plain JSONL object that start in {@code [start, end)}. {@code in} holds the object's
   * bytes from {@code max(0, start - 1)} to its end: the byte before {@code start} tells whether a line starts at
   * {@code start}, and the last line may run past {@code end}.
   */
  public static void readBytes(InputStream in, String key, long start, long end, Fields fields, RecordSink sink)
      throws IOException {
    Lines lines = new Lines(in, start == 0 ? 0 : start - 1);
    if (start > 0) {
      lines.skipLine();
    }
    for (byte[] line; lines.position() < end && (line = lines.next()) != null; ) {
      record(line, key + "#" + lines.lineStart(), fields, sink);
    }
  }

  /** Reads lines {@code [from, to)} (ordinals of non-blank lines) of a decompressed stream. */
  public static void readRecords(InputStream in, String key, long from, long to, Fields fields, RecordSink sink)
      throws IOException {
    Lines lines = new Lines(in, 0);
    long ordinal = 0;
    try {
      for (byte[] line; ordinal < to && (line = lines.next()) != null; ) {
        if (isBlank(line)) {
          continue;
        }
        long n = ordinal++;
        if (n >= from) {
          record(line, key + "#r" + n, fields, sink);
        }
      }
    } catch (EOFException | ZipException | ZstdIOException e) {
      sink.drop(new IngestDrop(key + "#r" + ordinal, null, e instanceof EOFException ? TRUNCATED : CORRUPT,
          "the compressed stream breaks off after line " + ordinal + ": " + e.getMessage()));
    }
  }

  private static void record(byte[] line, String position, Fields fields, RecordSink sink) {
    if (isBlank(line)) {
      return;
    }
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (IOException e) {
      node = null;
    }
    if (node == null || !node.isObject()) {
      sink.drop(new IngestDrop(position, null, NOT_JSON, "not a JSON object: " + excerpt(line)));
      return;
    }
    JsonNode id = node.get(fields.id());
    String docId = id != null && (id.isTextual() || id.isNumber()) ? id.asText() : position;
    JsonNode url = node.get(fields.url());
    String docUrl = url != null && url.isTextual() ? url.asText() : null;
    JsonNode text = node.get(fields.text());
    if (text == null || !text.isTextual()) {
      sink.drop(new IngestDrop(docId, docUrl, MISSING_FIELD,
          "no string field '" + fields.text() + "'; fields: " + fieldNames(node)));
      return;
    }
    byte[] content = text.asText().getBytes(StandardCharsets.UTF_8);
    sink.accept(new RawDocument(docId, content,
        RawDocument.looksLikeHtml(content) ? RawDocument.HTML : RawDocument.PLAIN_TEXT, docUrl));
  }

  /** The field names of the first JSON object among the first lines of a decompressed stream, or null. */
  public static List<String> firstRecordFields(InputStream in, int maxLines) throws IOException {
    Lines lines = new Lines(in, 0);
    byte[] line;
    for (int i = 0; i < maxLines && (line = lines.next()) != null; i++) {
      try {
        JsonNode node = JSON.readTree(line);
        if (node != null && node.isObject()) {
          return fieldNames(node);
        }
      } catch (JsonProcessingException e) {
        // not JSON: a read-time drop; look at the next line
      }
    }
    return null;
  }

  /** Counts the non-blank lines of a stream and where every {@code every}-th one starts (the first included). */
  public record LineScan(List<Long> cutOffsets, long lines, String error) {}

  public static LineScan scan(InputStream in, int every) {
    Lines lines = new Lines(in, 0);
    List<Long> cuts = new ArrayList<>();
    long count = 0;
    try {
      for (byte[] line; (line = lines.next()) != null; ) {
        if (isBlank(line)) {
          continue;
        }
        if (count % every == 0) {
          cuts.add(lines.lineStart());
        }
        count++;
      }
      return new LineScan(cuts, count, null);
    } catch (IOException e) {
      return new LineScan(cuts, count, String.valueOf(e.getMessage()));
    }
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }

  private static boolean isBlank(byte[] line) {
    for (byte b : line) {
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }

  private static String excerpt(byte[] line) {
    String s = new String(line, 0, Math.min(line.length, 120), StandardCharsets.UTF_8);
    return line.length > 120 ? s + "…" : s;
  }
}
