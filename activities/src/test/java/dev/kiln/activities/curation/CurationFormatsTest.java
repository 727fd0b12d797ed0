package dev.kiln.activities.curation;

import static dev.kiln.activities.curation.CurationFixtures.ENGLISH_PARAGRAPH;
import static dev.kiln.activities.curation.CurationFixtures.FRENCH_PARAGRAPH;
import static dev.kiln.activities.curation.CurationFixtures.GOPHER_ENGLISH;
import static dev.kiln.activities.curation.CurationFixtures.WHITESPACE_TOKENS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.curation.ingest.IngestFixtures;
import dev.kiln.activities.curation.ingest.IngestFixtures.Doc;
import dev.kiln.activities.curation.ingest.IngestFixtures.MemorySource;
import dev.kiln.activities.curation.ingest.IngestDrop;
import dev.kiln.activities.curation.ingest.ShardPlanner;
import dev.kiln.activities.curation.ingest.ShardReader;
import dev.kiln.activities.curation.ingest.WarcRecords;
import dev.kiln.workflows.curation.StepStats;
import dev.kiln.workflows.spec.RunSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;

/** The container formats through planning, reading and the shard pipeline, against each other and the old plan. */
class CurationFormatsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CurationPipeline pipeline = new CurationPipeline(GOPHER_ENGLISH, Map.of(), WHITESPACE_TOKENS);

  /** English pages the profile keeps, with a French one between them that the language filter drops. */
  private static List<Doc> corpus() {
    List<Doc> docs = new ArrayList<>(IngestFixtures.docs(7, ENGLISH_PARAGRAPH));
    docs.add(3, new Doc("doc-fr", "https://example.fr/", FRENCH_PARAGRAPH));
    return docs;
  }

  /** Plans {@code key}, reads every shard and runs the pipeline over each, collecting kept documents and stats. */
  private List<CurationPipeline.ShardOutcome> curate(MemorySource source, String key, int recordsPerShard) {
    RunSpec.DataSpec data = IngestFixtures.data("auto", null, recordsPerShard);
    List<List<Object>> plan = new ShardPlanner(source, data).plan(List.of(key), () -> {});
    List<CurationPipeline.ShardOutcome> out = new ArrayList<>();
    ShardReader reader = new ShardReader(source, data);
    for (List<JsonNode> shard : IngestFixtures.roundTrip(plan)) {
      ShardReader.Batch batch = reader.read(shard, () -> {});
      out.add(pipeline.run(batch.documents(), batch.drops()));
    }
    return out;
  }

  private static List<String> kept(List<CurationPipeline.ShardOutcome> outcomes) {
    return outcomes.stream().flatMap(o -> o.kept().stream()).map(d -> d.url() + " | " + d.text()).toList();
  }

  @Test
  void warcJsonlAndParquetFormsOfTheSameDocumentsKeepTheSameDocuments() {
    List<Doc> docs = corpus();
    MemorySource source = new MemorySource()
        .put("raw/w/crawl.warc.gz", IngestFixtures.warc(docs, true, StandardCharsets.UTF_8))
        .put("raw/w/crawl.warc.wet.gz", IngestFixtures.wet(docs, true))
        .put("raw/j/rows.jsonl.zst", IngestFixtures.zstd(IngestFixtures.jsonlText(docs).getBytes(StandardCharsets.UTF_8)))
        .put("raw/j/rows.jsonl", IngestFixtures.jsonlText(docs).getBytes(StandardCharsets.UTF_8))
        .put("raw/p/rows.parquet", IngestFixtures.parquet(docs, "text", true, CompressionCodecName.SNAPPY));

    List<String> fromWarc = kept(curate(source, "raw/w/crawl.warc.gz", 5));
    assertEquals(7, fromWarc.size(), fromWarc.toString());
    assertTrue(fromWarc.stream().noneMatch(k -> k.startsWith("https://example.fr/")));
    for (String key : List.of("raw/w/crawl.warc.wet.gz", "raw/j/rows.jsonl.zst", "raw/j/rows.jsonl", "raw/p/rows.parquet")) {
      for (int recordsPerShard : new int[] {3, 1000}) {
        assertEquals(fromWarc, kept(curate(source, key, recordsPerShard)), key + " at " + recordsPerShard + " a shard");
      }
    }
  }

  @Test
  void unreadableRecordsAreCountedUnderDecodeWithExamples() {
    byte[] jsonl = ("{\"text\":\"" + ENGLISH_PARAGRAPH + "\"}\nnot json at all\n{\"body\":\"x\"}\n").getBytes(StandardCharsets.UTF_8);
    MemorySource source = new MemorySource()
        .put("raw/j/mixed.jsonl", jsonl)
        .put("raw/w/crawl.warc", IngestFixtures.warc(IngestFixtures.docs(1, ENGLISH_PARAGRAPH), false, StandardCharsets.UTF_8));
    List<CurationPipeline.ShardOutcome> outcomes = new ArrayList<>(curate(source, "raw/j/mixed.jsonl", 100));
    outcomes.addAll(curate(source, "raw/w/crawl.warc", 100));

    List<StepStats> decode = outcomes.stream().map(o -> o.steps().get(0)).toList();
    assertTrue(decode.stream().allMatch(s -> s.step().equals(TextDecoder.NAME)));
    assertEquals(Map.of("jsonl:missing-field", 1L, "jsonl:not-json", 1L), decode.get(0).droppedByReason());
    assertEquals(3, decode.get(0).documentsIn());
    assertEquals(Map.of(WarcRecords.NOT_TEXT, 1L), decode.get(1).droppedByReason());
    List<DroppedExample> examples = outcomes.stream().flatMap(o -> o.dropped().stream())
        .filter(e -> e.step().equals(TextDecoder.NAME)).toList();
    assertEquals(3, examples.size(), examples.toString());
    assertTrue(examples.get(0).excerpt().contains("not json at all"), examples.get(0).toString());
    assertTrue(examples.get(2).excerpt().contains("image/png"), examples.get(2).toString());
  }

  @Test
  void aMixedCorpusPlansItsDocumentsAsBeforeThenItsContainerSlices() {
    MemorySource source = new MemorySource()
        .put("raw/m/a.txt", ENGLISH_PARAGRAPH.getBytes(StandardCharsets.UTF_8))
        .put("raw/m/b.warc.gz", IngestFixtures.warc(IngestFixtures.docs(4, ENGLISH_PARAGRAPH), true, StandardCharsets.UTF_8))
        .put("raw/m/c.html", ("<html><body><p>" + ENGLISH_PARAGRAPH + "</p></body></html>").getBytes(StandardCharsets.UTF_8))
        .put("raw/m/d.jsonl", IngestFixtures.jsonlText(IngestFixtures.docs(3, ENGLISH_PARAGRAPH)).getBytes(StandardCharsets.UTF_8));
    RunSpec.DataSpec data = new RunSpec.DataSpec(List.of("raw/m/"), 0.05, 200, null, null, null, null, 6);
    List<List<Object>> plan = new ShardPlanner(source, data).plan(List.copyOf(source.objects.keySet()), () -> {});
    assertEquals(List.of("raw/m/a.txt", "raw/m/c.html"), plan.get(0));
    // the WARC's 10 records (warcinfo, 4 requests, 4 responses, an image) are slices of 6 and 4; the JSONL's 3 lines
    // would make the second 7, over 6, so they are a shard of their own
    assertEquals(4, plan.size(), plan.toString());
    List<String> ids = new ArrayList<>();
    ShardReader reader = new ShardReader(source, data);
    for (List<JsonNode> shard : IngestFixtures.roundTrip(plan)) {
      reader.read(shard, () -> {}).documents().forEach(d -> ids.add(d.id()));
    }
    assertEquals(2 + 4 + 3, ids.size(), ids.toString());
    assertEquals(ids.size(), new java.util.HashSet<>(ids).size(), "ids are unique");
  }

  @Test
  void htmlAndTextObjectsArePlannedAsBeforeAsKeysByDocumentsPerShard() throws Exception {
    List<String> keys = List.of("raw/h/a.html", "raw/h/b.htm", "raw/g/c.txt", "raw/g/d.txt", "raw/g/e");
    MemorySource source = new MemorySource();
    keys.forEach(k -> source.put(k, ("<html><p>" + k + "</p></html>").getBytes(StandardCharsets.UTF_8)));
    RunSpec.DataSpec data = new RunSpec.DataSpec(List.of("raw/h/", "raw/g/"), 0.05, 2, null, null);
    List<List<Object>> plan = new ShardPlanner(source, data).plan(keys, () -> {});

    List<List<String>> before = new ArrayList<>();
    for (int from = 0; from < keys.size(); from += data.documentsPerShard()) {
      before.add(keys.subList(from, Math.min(keys.size(), from + data.documentsPerShard())));
    }
    assertEquals(JSON.writeValueAsString(before), JSON.writeValueAsString(plan), "plan.json as before, byte for byte");
    ShardReader.Batch batch = new ShardReader(source, data).read(IngestFixtures.roundTrip(plan).get(0), () -> {});
    assertEquals(List.of("raw/h/a.html", "raw/h/b.htm"), batch.documents().stream().map(RawDocument::id).toList());
    assertEquals(List.<IngestDrop>of(), batch.drops());
  }
}
