package dev.kiln.activities.curation.ingest;

import dev.kiln.workflows.Failures;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.spec.RunSpec.DataSpec.Fields;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits the raw objects into shards. A shard is a list of entries: an object key (a whole one-document object,
 * HTML or text) or a {@link Slice} of a container object. One-document objects are grouped
 * {@code documentsPerShard} to a shard in key order, as before the container formats, so a corpus of HTML and text
 * files is planned exactly as it was. Container objects are cut into slices of at most {@code recordsPerShard}
 * records, and consecutive slices are packed into shards of at most that many records, so one large WARC is curated
 * by many activities at once and a shard's memory is bounded whatever the object's size.
 *
 * <p>Planning streams: a WARC is scanned once for its record offsets, a plain JSONL once for its line offsets, a
 * compressed JSONL once for its line count, a Parquet file's footer is read by a ranged read. It also checks the
 * configured fields against the first JSONL record or the Parquet schema, failing the run (non-retryable,
 * {@link Failures#BAD_DATA}) before any shard is curated when the text field is absent.
 */
public final class ShardPlanner {
  private static final int FIELD_CHECK_LINES = 100;
  private static final long FIELD_CHECK_BYTES = 1 << 20;

  private final RangedSource source;
  private final RunSpec.DataSpec data;
  private final Fields fields;
  private final int recordsPerShard;

  public ShardPlanner(RangedSource source, RunSpec.DataSpec data) {
    this.source = source;
    this.data = data;
    this.fields = data.fieldsOrDefaults();
    this.recordsPerShard = data.recordsPerShardOrDefault();
  }

  /** The shards of {@code keys}: each a list of String (whole object) or {@link Slice} entries. */
  public List<List<Object>> plan(List<String> keys, Runnable progress) {
    List<String> documents = new ArrayList<>();
    List<Slice> slices = new ArrayList<>();
    for (String key : keys) {
      Format format = Format.of(key, data.format());
      try {
        switch (format) {
          case WARC -> slices.addAll(warc(key));
          case JSONL -> slices.addAll(jsonl(key));
          case PARQUET -> slices.addAll(parquet(key));
          default -> documents.add(key);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("planning " + key + ": " + e.getMessage(), e);
      }
      progress.run();
    }
    List<List<Object>> shards = new ArrayList<>();
    for (int from = 0; from < documents.size(); from += data.documentsPerShard()) {
      shards.add(new ArrayList<>(documents.subList(from, Math.min(documents.size(), from + data.documentsPerShard()))));
    }
    List<Object> current = new ArrayList<>();
    long inCurrent = 0;
    for (Slice slice : slices) {
      long n = Math.max(slice.records(), 1);
      if (!current.isEmpty() && inCurrent + n > recordsPerShard) {
        shards.add(current);
        current = new ArrayList<>();
        inCurrent = 0;
      }
      current.add(slice);
      inCurrent += n;
    }
    if (!current.isEmpty()) {
      shards.add(current);
    }
    return shards;
  }

  /**
   * Slices at record starts, {@code recordsPerShard} records each. A .warc.gz whose slice starts are not gzip member
   * starts (compressed as one stream) is sliced by record ordinal instead. A record that cannot be parsed lies inside
   * the slice of the record before it; reading that slice counts it as a drop and goes on after it.
   */
  List<Slice> warc(String key) throws IOException {
    WarcRecords.Scan scan = WarcRecords.scan(source, key);
    long size = source.size(key);
    List<Long> starts = scan.recordStarts();
    List<Slice> out = new ArrayList<>();
    if (starts.isEmpty()) {
      out.add(new Slice(key, Format.WARC.id(), Slice.BYTES, 0, size, 1));
      return out;
    }
    List<Long> cuts = new ArrayList<>();
    for (int i = 0; i < starts.size(); i += recordsPerShard) {
      cuts.add(i == 0 ? 0L : starts.get(i));
    }
    if (scan.gzip() && !membersStartAt(key, cuts)) {
      for (long from = 0; from < starts.size(); from += recordsPerShard) {
        long to = Math.min(starts.size(), from + recordsPerShard);
        boolean last = to == starts.size();
        out.add(new Slice(key, Format.WARC.id(), Slice.RECORDS, from, last ? Long.MAX_VALUE : to, to - from));
      }
      return out;
    }
    for (int c = 0; c < cuts.size(); c++) {
      long end = c + 1 < cuts.size() ? cuts.get(c + 1) : size;
      long records = Math.min(recordsPerShard, starts.size() - (long) c * recordsPerShard);
      out.add(new Slice(key, Format.WARC.id(), Slice.BYTES, cuts.get(c), end, records));
    }
    return out;
  }

  private boolean membersStartAt(String key, List<Long> offsets) throws IOException {
    for (long offset : offsets) {
      try (InputStream in = source.open(key, offset, offset + 2)) {
        byte[] magic = in.readNBytes(2);
        if (magic.length < 2 || (magic[0] & 0xff) != 0x1f || (magic[1] & 0xff) != 0x8b) {
          return false;
        }
      }
    }
    return true;
  }

  /** Plain JSONL: byte ranges cut at line starts; compressed: record ranges of the decompressed lines. */
  List<Slice> jsonl(String key) throws IOException {
    List<String> present = null;
    long size = source.size(key);
    // the first records are in the first mebibyte of the object (a prefix cut inside a line leaves that line unread)
    try (InputStream in = JsonlRecords.decompressed(source.open(key, 0, Math.min(size, FIELD_CHECK_BYTES)), key)) {
      present = JsonlRecords.firstRecordFields(in, FIELD_CHECK_LINES);
    } catch (java.io.EOFException | java.util.zip.ZipException | com.github.luben.zstd.ZstdIOException e) {
      // a broken compressed stream: curating counts it as a drop; planning reads what it can
    }
    if (present != null && !present.contains(fields.text())) {
      throw missingField(key, "text", fields.text(), present, "the first JSON record");
    }
    boolean compressed = Format.compression(key) != null;
    JsonlRecords.LineScan scan = new JsonlRecords.LineScan(List.of(), 0, null);
    try (InputStream in = JsonlRecords.decompressed(source.open(key, 0, -1), key)) {
      scan = JsonlRecords.scan(in, recordsPerShard);
    } catch (java.io.EOFException | java.util.zip.ZipException | com.github.luben.zstd.ZstdIOException e) {
      // as above; the scan keeps the lines it counted before the stream broke
    }
    List<Slice> out = new ArrayList<>();
    if (scan.lines() == 0) {
      out.add(new Slice(key, Format.JSONL.id(), compressed ? Slice.RECORDS : Slice.BYTES, 0,
          compressed ? Long.MAX_VALUE : size, 1));
      return out;
    }
    List<Long> cuts = scan.cutOffsets();
    for (int c = 0; c < cuts.size(); c++) {
      long records = Math.min(recordsPerShard, scan.lines() - (long) c * recordsPerShard);
      boolean last = c + 1 == cuts.size();
      if (compressed) {
        long from = (long) c * recordsPerShard;
        // the last slice reads to the stream's end, so a tail the scan could not read is counted when curating
        out.add(new Slice(key, Format.JSONL.id(), Slice.RECORDS, from, last ? Long.MAX_VALUE : from + records, records));
      } else {
        out.add(new Slice(key, Format.JSONL.id(), Slice.BYTES, c == 0 ? 0 : cuts.get(c), last ? size : cuts.get(c + 1), records));
      }
    }
    return out;
  }

  /**
   * Row-group ranges of at most {@code recordsPerShard} rows; a row group larger than that is cut into row ranges,
   * each shard decoding the group and keeping its rows (the group's pages are read once per such shard).
   */
  List<Slice> parquet(String key) throws IOException {
    ParquetRows.Footer footer;
    try {
      footer = ParquetRows.footer(new StoredInputFile(source, key));
    } catch (IOException | RuntimeException e) {
      throw ApplicationFailure.newNonRetryableFailure(key + " is not a readable Parquet file (" + e.getMessage()
          + "). Fix: remove it from the raw prefix, or set data.format to the format it is in", Failures.BAD_DATA);
    }
    List<String> columns = ParquetRows.columns(footer.schema());
    if (!ParquetRows.isScalar(footer.schema(), fields.text())) {
      throw missingField(key, "text", fields.text(), columns, "the Parquet schema");
    }
    RunSpec.DataSpec.Fields asked = data.fields();
    if (asked != null && asked.id() != null && !footer.schema().containsField(asked.id())) {
      throw missingField(key, "id", asked.id(), columns, "the Parquet schema");
    }
    if (asked != null && asked.url() != null && !footer.schema().containsField(asked.url())) {
      throw missingField(key, "url", asked.url(), columns, "the Parquet schema");
    }
    List<Slice> out = new ArrayList<>();
    List<Long> rows = footer.rowGroupRows();
    int from = 0;
    long inSlice = 0;
    long firstRow = 0;
    for (int g = 0; g < rows.size(); g++) {
      long n = rows.get(g);
      if (n > recordsPerShard) {
        // a row group larger than a shard: close the groups before it, then cut it into row ranges
        if (g > from) {
          out.add(new Slice(key, Format.PARQUET.id(), Slice.ROW_GROUPS, from, g, inSlice));
        }
        for (long r = 0; r < n; r += recordsPerShard) {
          long records = Math.min(recordsPerShard, n - r);
          out.add(new Slice(key, Format.PARQUET.id(), Slice.ROWS, firstRow + r, firstRow + r + records, records));
        }
        from = g + 1;
        inSlice = 0;
      } else {
        if (g > from && inSlice + n > recordsPerShard) {
          out.add(new Slice(key, Format.PARQUET.id(), Slice.ROW_GROUPS, from, g, inSlice));
          from = g;
          inSlice = 0;
        }
        inSlice += n;
      }
      firstRow += n;
    }
    if (from < rows.size()) {
      out.add(new Slice(key, Format.PARQUET.id(), Slice.ROW_GROUPS, from, rows.size(), inSlice));
    }
    return out;
  }

  private static ApplicationFailure missingField(String key, String role, String name, List<String> present, String where) {
    return ApplicationFailure.newNonRetryableFailure(
        key + ": " + where + " has no " + (role.equals("text") ? "string " : "") + "field '" + name + "' (data.fields."
            + role + "); its fields are " + present + ". Fix: set data.fields." + role
            + " to the field that holds the " + role + (role.equals("text") ? "" : ", or leave it out"),
        Failures.BAD_DATA);
  }
}
