package dev.kiln.activities.curation.ingest;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A part of a container object that one shard reads: {@code [start, end)} in {@code unit}s.
 *
 * <ul>
 *   <li>{@code bytes}: byte offsets. For WARC they are record starts found by the planning scan (for .warc.gz the
 *       starts of per-record gzip members); for plain JSONL they may fall anywhere: a slice starting mid-line skips
 *       to the next line, and the line that crosses {@code end} belongs to the slice it starts in (as Hadoop splits)
 *   <li>{@code records}: record ordinals of a stream that cannot be entered mid-way (compressed JSONL, a WARC gzipped
 *       as one member): the reader decompresses from the object's start and skips the records before {@code start}
 *   <li>{@code rowGroups}: Parquet row group indexes
 *   <li>{@code rows}: Parquet row indexes in the file, for a row group larger than a shard
 * </ul>
 *
 * @param records how many records the planner counted in the slice (for shard sizing; -1 when not counted)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Slice(String key, String format, String unit, long start, long end, long records) {
  public static final String BYTES = "bytes";
  public static final String RECORDS = "records";
  public static final String ROW_GROUPS = "rowGroups";
  public static final String ROWS = "rows";
}
