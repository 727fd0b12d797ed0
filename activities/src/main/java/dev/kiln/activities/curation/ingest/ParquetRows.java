package dev.kiln.activities.curation.ingest;

import dev.kiln.activities.curation.RawDocument;
import dev.kiln.workflows.spec.RunSpec.DataSpec.Fields;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Reads Parquet files as Hugging Face datasets publish them (FineWeb: top-level string columns {@code text},
 * {@code id}, {@code url}; snappy or zstd pages), by row group, reading only the configured columns. No Hadoop
 * cluster or file system: the file is an {@link InputFile} over ranged reads. A row group that cannot be decoded
 * drops all its rows (those of the slice) as {@code parquet:corrupt-row-group}; a row whose text is null as
 * {@code parquet:missing-text}.
 * A row's id is the id column, else {@code <key>#<row>} (the row's index in the file).
 */
public final class ParquetRows {
  public static final String CORRUPT_ROW_GROUP = "parquet:corrupt-row-group";
  public static final String MISSING_TEXT = "parquet:missing-text";

  private ParquetRows() {}

  static ParquetFileReader open(InputFile file) throws IOException {
    // pages written with CRCs (parquet-mr's default) are checked, so a corrupt page is a dropped row group, not text
    return ParquetFileReader.open(file,
        ParquetReadOptions.builder(new PlainParquetConfiguration()).usePageChecksumVerification(true).build());
  }

  /** The file's schema and the row count of each row group, from its footer. */
  public record Footer(MessageType schema, List<Long> rowGroupRows) {}

  public static Footer footer(InputFile file) throws IOException {
    try (ParquetFileReader reader = open(file)) {
      List<Long> rows = new ArrayList<>();
      for (BlockMetaData block : reader.getRowGroups()) {
        rows.add(block.getRowCount());
      }
      return new Footer(reader.getFooter().getFileMetaData().getSchema(), rows);
    }
  }

  /** The top-level column names of a schema. */
  public static List<String> columns(MessageType schema) {
    return schema.getFields().stream().map(Type::getName).toList();
  }

  /** True when {@code name} is a top-level, non-repeated primitive column, as a text, id or url column must be. */
  public static boolean isScalar(MessageType schema, String name) {
    if (!schema.containsField(name)) {
      return false;
    }
    Type t = schema.getType(name);
    return t.isPrimitive() && !t.isRepetition(Type.Repetition.REPEATED);
  }

  /** Reads row groups {@code [from, to)} of {@code file} (object {@code key}). */
  public static void read(InputFile file, String key, int from, int to, Fields fields, RecordSink sink) throws IOException {
    read(file, key, from, to, 0, Long.MAX_VALUE, fields, sink);
  }

  /**
   * Reads rows {@code [rowFrom, rowTo)} (indexes in the file) of a row group larger than a shard: the groups that
   * hold them are decoded, and only those rows become documents.
   */
  public static void readRows(InputFile file, String key, long rowFrom, long rowTo, Fields fields, RecordSink sink)
      throws IOException {
    List<Long> rows = footer(file).rowGroupRows();
    int from = -1;
    int to = 0;
    long first = 0;
    for (int g = 0; g < rows.size(); g++) {
      long last = first + rows.get(g);
      if (last > rowFrom && first < rowTo) {
        from = from < 0 ? g : from;
        to = g + 1;
      }
      first = last;
    }
    if (from >= 0) {
      read(file, key, from, to, rowFrom, rowTo, fields, sink);
    }
  }

  private static void read(InputFile file, String key, int from, int to, long rowFrom, long rowTo, Fields fields,
      RecordSink sink) throws IOException {
    try (ParquetFileReader reader = open(file)) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      List<Type> wanted = new ArrayList<>();
      for (String name : List.of(fields.text(), fields.id(), fields.url())) {
        if (isScalar(schema, name) && wanted.stream().noneMatch(t -> t.getName().equals(name))) {
          wanted.add(schema.getType(name));
        }
      }
      MessageType projection = new MessageType(schema.getName(), wanted);
      reader.setRequestedSchema(projection);
      List<BlockMetaData> groups = reader.getRowGroups();
      long firstRow = 0;
      for (int g = 0; g < from; g++) {
        firstRow += groups.get(g).getRowCount();
      }
      for (int g = from; g < to && g < groups.size(); g++) {
        long rows = groups.get(g).getRowCount();
        long lo = Math.max(0, rowFrom - firstRow);
        long hi = Math.min(rows, rowTo - firstRow);
        List<Object> out = new ArrayList<>((int) Math.min(Math.max(0, hi - lo), 1 << 16));
        try {
          PageReadStore pages = reader.readRowGroup(g);
          RecordReader<Group> records =
              new ColumnIOFactory().getColumnIO(projection).getRecordReader(pages, new GroupRecordConverter(projection));
          for (long r = 0; r < hi; r++) {
            Group row = records.read();
            if (r >= lo) {
              out.add(row(row, key + "#" + (firstRow + r), fields, projection));
            }
          }
        } catch (IOException | RuntimeException e) {
          out.clear();
          for (long r = lo; r < hi; r++) {
            sink.drop(new IngestDrop(key + "#" + (firstRow + r), null, CORRUPT_ROW_GROUP,
                "row group " + g + " of " + key + " cannot be decoded: " + e));
          }
        }
        for (Object o : out) {
          if (o instanceof RawDocument d) {
            sink.accept(d);
          } else {
            sink.drop((IngestDrop) o);
          }
        }
        firstRow += rows;
      }
    }
  }

  private static Object row(Group group, String position, Fields fields, MessageType projection) {
    String id = value(group, fields.id(), projection);
    String url = value(group, fields.url(), projection);
    String docId = id != null ? id : position;
    if (!projection.containsField(fields.text()) || group.getFieldRepetitionCount(fields.text()) == 0) {
      return new IngestDrop(docId, url, MISSING_TEXT, "column '" + fields.text() + "' is null in this row");
    }
    Type t = projection.getType(fields.text());
    byte[] content = t.asPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY
        ? group.getBinary(fields.text(), 0).getBytes()
        : group.getValueToString(projection.getFieldIndex(fields.text()), 0).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return new RawDocument(docId, content, RawDocument.looksLikeHtml(content) ? RawDocument.HTML : RawDocument.PLAIN_TEXT, url);
  }

  private static String value(Group group, String name, MessageType projection) {
    if (!projection.containsField(name) || group.getFieldRepetitionCount(name) == 0) {
      return null;
    }
    return group.getValueToString(projection.getFieldIndex(name), 0);
  }
}
