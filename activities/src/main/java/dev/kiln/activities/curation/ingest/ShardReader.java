package dev.kiln.activities.curation.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.curation.RawDocument;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.spec.RunSpec.DataSpec.Fields;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one planned shard: its whole objects and its slices, in plan order, into documents and read drops. The
 * plan's entries are what {@link ShardPlanner} wrote: a JSON string (a whole object, read as one document) or a
 * {@link Slice}. Broken records become {@link IngestDrop}s; only a failing store (an I/O error that is not about
 * the data) fails the shard, so the activity retries it.
 */
public final class ShardReader {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a shard holds: the documents read, and the records that could not be read, each in read order. */
  public record Batch(List<RawDocument> documents, List<IngestDrop> drops) {}

  private final RangedSource source;
  private final RunSpec.DataSpec data;
  private final Fields fields;

  public ShardReader(RangedSource source, RunSpec.DataSpec data) {
    this.source = source;
    this.data = data;
    this.fields = data.fieldsOrDefaults();
  }

  public Batch read(List<JsonNode> entries, Runnable progress) {
    List<RawDocument> documents = new ArrayList<>();
    List<IngestDrop> drops = new ArrayList<>();
    RecordSink sink = new RecordSink() {
      @Override
      public void accept(RawDocument document) {
        documents.add(document);
        if (documents.size() % 50 == 0) {
          progress.run();
        }
      }

      @Override
      public void drop(IngestDrop drop) {
        drops.add(drop);
      }
    };
    for (JsonNode entry : entries) {
      try {
        if (entry.isTextual()) {
          sink.accept(whole(entry.asText()));
        } else {
          read(JSON.treeToValue(entry, Slice.class), sink);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("reading " + entry + ": " + e.getMessage(), e);
      }
    }
    return new Batch(documents, drops);
  }

  /** A whole object as one document: typed by data.format html/text (declared), else by extension and content. */
  private RawDocument whole(String key) throws IOException {
    byte[] content;
    try (InputStream in = source.open(key, 0, -1)) {
      content = in.readAllBytes();
    }
    return switch (data.formatOrAuto()) {
      case "html" -> RawDocument.declared(key, content, RawDocument.HTML, null, null);
      case "text" -> RawDocument.declared(key, content, RawDocument.PLAIN_TEXT, null, null);
      default -> RawDocument.of(key, content);
    };
  }

  void read(Slice slice, RecordSink sink) throws IOException {
    String key = slice.key();
    switch (Format.ofId(slice.format())) {
      case WARC -> {
        if (Slice.RECORDS.equals(slice.unit())) {
          try (InputStream in = source.open(key, 0, -1)) {
            WarcRecords.read(in, key, 0, true, slice.start(), slice.end(), sink);
          }
        } else {
          WarcRecords.read(source, key, slice.start(), slice.end(), sink);
        }
      }
      case JSONL -> {
        if (Slice.RECORDS.equals(slice.unit())) {
          try (InputStream in = JsonlRecords.decompressed(source.open(key, 0, -1), key)) {
            JsonlRecords.readRecords(in, key, slice.start(), slice.end(), fields, sink);
          } catch (java.io.EOFException | java.util.zip.ZipException | com.github.luben.zstd.ZstdIOException e) {
            // a gzip header that is itself cut short or wrong fails while the stream is opened (or closed)
            sink.drop(new IngestDrop(key + "#r0", null, e instanceof java.io.EOFException ? JsonlRecords.TRUNCATED
                : JsonlRecords.CORRUPT, "the compressed stream cannot be opened: " + e.getMessage()));
          }
        } else {
          // the slice's bytes, and only if its last line runs past them, the rest of the object after them
          long from = Math.max(0, slice.start() - 1);
          InputStream range = source.open(key, from, slice.end());
          InputStream rest = new java.io.InputStream() {
            private InputStream after;

            private InputStream after() {
              if (after == null) {
                // rarely needed (planned cuts are line starts); a last line without a newline reaches the object's end
                after = slice.end() >= source.size(key) ? InputStream.nullInputStream() : source.open(key, slice.end(), -1);
              }
              return after;
            }

            @Override
            public int read() throws IOException {
              return after().read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
              return after().read(b, off, len);
            }

            @Override
            public void close() throws IOException {
              if (after != null) {
                after.close();
              }
            }
          };
          try (InputStream in = new java.io.SequenceInputStream(range, rest)) {
            JsonlRecords.readBytes(in, key, slice.start(), slice.end(), fields, sink);
          }
        }
      }
      case PARQUET -> {
        if (Slice.ROWS.equals(slice.unit())) {
          ParquetRows.readRows(new StoredInputFile(source, key), key, slice.start(), slice.end(), fields, sink);
        } else {
          ParquetRows.read(new StoredInputFile(source, key), key, (int) slice.start(), (int) slice.end(), fields, sink);
        }
      }
      default -> throw new IllegalArgumentException("a slice of format " + slice.format() + " in the plan");
    }
  }
}
