package dev.kiln.activities.curation.ingest;

import static dev.kiln.activities.curation.ingest.IngestFixtures.docs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.activities.curation.RawDocument;
import dev.kiln.activities.curation.ingest.IngestFixtures.Doc;
import dev.kiln.activities.curation.ingest.IngestFixtures.MemorySource;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ParquetRowsTest {
  private static final String PARAGRAPH = "Text of a row in a dataset such as FineWeb publishes.";

  private static List<RawDocument> readAll(MemorySource source, String key, RunSpec.DataSpec data, List<String> drops) {
    List<List<Object>> plan = new ShardPlanner(source, data).plan(List.of(key), () -> {});
    List<RawDocument> out = new ArrayList<>();
    ShardReader reader = new ShardReader(source, data);
    for (List<JsonNode> shard : IngestFixtures.roundTrip(plan)) {
      ShardReader.Batch batch = reader.read(shard, () -> {});
      assertTrue(batch.documents().size() + batch.drops().size() <= data.recordsPerShardOrDefault(), "shard too large");
      out.addAll(batch.documents());
      batch.drops().forEach(d -> drops.add(d.reason()));
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(value = CompressionCodecName.class, names = {"SNAPPY", "ZSTD", "UNCOMPRESSED"})
  void rowGroupsArePlannedIntoShardsAndEveryRowIsReadOnce(CompressionCodecName codec) {
    List<Doc> docs = docs(11, PARAGRAPH);
    MemorySource source = new MemorySource().put("raw/p/train-0.parquet", IngestFixtures.parquet(docs, "text", true, codec));
    RunSpec.DataSpec data = IngestFixtures.data("auto", null, 4);
    List<List<Object>> plan = new ShardPlanner(source, data).plan(List.of("raw/p/train-0.parquet"), () -> {});
    assertEquals(3, plan.size(), "11 one-row groups, 4 rows a shard: " + plan);
    assertEquals(Slice.ROW_GROUPS, ((Slice) plan.get(0).get(0)).unit());

    List<String> drops = new ArrayList<>();
    List<RawDocument> read = readAll(source, "raw/p/train-0.parquet", data, drops);
    assertEquals(docs.stream().map(Doc::text).toList(),
        read.stream().map(d -> new String(d.content(), StandardCharsets.UTF_8)).toList());
    assertEquals(docs.stream().map(Doc::id).toList(), read.stream().map(RawDocument::id).toList());
    assertEquals(docs.stream().map(Doc::url).toList(), read.stream().map(RawDocument::url).toList());
    assertTrue(drops.isEmpty());
  }

  @Test
  void aRowGroupLargerThanAShardIsCutIntoRowRanges() {
    List<Doc> docs = docs(23, PARAGRAPH);
    MemorySource source = new MemorySource().put("raw/p/big.parquet",
        IngestFixtures.parquet(docs, "text", false, CompressionCodecName.ZSTD));
    RunSpec.DataSpec data = IngestFixtures.data("auto", null, 10);
    List<List<Object>> plan = new ShardPlanner(source, data).plan(List.of("raw/p/big.parquet"), () -> {});
    assertEquals(3, plan.size(), "one group of 23 rows, 10 a shard: " + plan);
    assertEquals(Slice.ROWS, ((Slice) plan.get(2).get(0)).unit());
    List<String> drops = new ArrayList<>();
    List<RawDocument> read = readAll(source, "raw/p/big.parquet", data, drops);
    assertEquals(docs.stream().map(Doc::id).toList(), read.stream().map(RawDocument::id).toList());
    assertTrue(drops.isEmpty());
  }

  @Test
  void aFileWithoutTheTextColumnFailsPlanningNamingItsColumns() {
    MemorySource source = new MemorySource().put("raw/p/other.parquet",
        IngestFixtures.parquet(docs(2, PARAGRAPH), "content", false, CompressionCodecName.SNAPPY));
    ApplicationFailure failure = assertThrows(ApplicationFailure.class, () ->
        new ShardPlanner(source, IngestFixtures.data("parquet", null, 10)).plan(List.of("raw/p/other.parquet"), () -> {}));
    assertEquals(Failures.BAD_DATA, failure.getType());
    assertTrue(failure.isNonRetryable());
    String message = failure.getOriginalMessage();
    for (String part : List.of("raw/p/other.parquet", "'text'", "[content, id, url]", "Fix: set data.fields.text")) {
      assertTrue(message.contains(part), part + " in: " + message);
    }
    // with the column named, the same file reads
    RunSpec.DataSpec named = IngestFixtures.data("parquet", new RunSpec.DataSpec.Fields("content", null, null), 10);
    assertEquals(2, readAll(source, "raw/p/other.parquet", named, new ArrayList<>()).size());
  }

  @Test
  void aCorruptRowGroupDropsItsRowsAndTheOthersAreRead() throws Exception {
    List<Doc> docs = docs(5, PARAGRAPH);
    byte[] file = IngestFixtures.parquet(docs, "text", true, CompressionCodecName.SNAPPY);
    MemorySource clean = new MemorySource().put("k.parquet", file);
    BlockMetaData second;
    try (ParquetFileReader reader = ParquetRows.open(new StoredInputFile(clean, "k.parquet"))) {
      second = reader.getRowGroups().get(1);
    }
    byte[] broken = file.clone();
    long from = second.getStartingPos();
    for (long i = from + 8; i < from + second.getCompressedSize() - 4; i++) {
      broken[(int) i] ^= (byte) 0x5a;
    }
    MemorySource source = new MemorySource().put("k.parquet", broken);
    List<String> drops = new ArrayList<>();
    List<RawDocument> read = readAll(source, "k.parquet", IngestFixtures.data("auto", null, 100), drops);

    assertEquals(List.of(ParquetRows.CORRUPT_ROW_GROUP), drops);
    List<String> expected = new ArrayList<>(docs.stream().map(Doc::text).toList());
    expected.remove(1);
    assertEquals(expected, read.stream().map(d -> new String(d.content(), StandardCharsets.UTF_8)).toList());
  }
}
