package dev.kiln.activities.curation.ingest;

import static dev.kiln.activities.curation.ingest.IngestFixtures.docs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.activities.curation.RawDocument;
import dev.kiln.activities.curation.ingest.IngestFixtures.Collected;
import dev.kiln.activities.curation.ingest.IngestFixtures.Doc;
import dev.kiln.activities.curation.ingest.IngestFixtures.MemorySource;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.failure.ApplicationFailure;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonlRecordsTest {
  private static final String PARAGRAPH = "Some words that a dataset row holds as its text.";
  private static final RunSpec.DataSpec.Fields DEFAULT = RunSpec.DataSpec.Fields.DEFAULTS;

  @Test
  void linesBecomeDocumentsAndBrokenLinesCountedDrops() throws Exception {
    String jsonl = "{\"id\":\"a\",\"url\":\"https://a.example/\",\"text\":\"first\"}\n"
        + "this is not json\n"
        + "\n"
        + "{\"id\":\"c\",\"body\":\"no text field\"}\n"
        + "[1,2,3]\n"
        + "{\"text\":\"no id\"}\n";
    Collected out = new Collected();
    byte[] bytes = jsonl.getBytes(StandardCharsets.UTF_8);
    JsonlRecords.readBytes(new ByteArrayInputStream(bytes), "raw/d/x.jsonl", 0, bytes.length, DEFAULT, out);

    assertEquals(List.of("first", "no id"), out.texts());
    assertEquals("a", out.documents.get(0).id());
    assertEquals("https://a.example/", out.documents.get(0).url());
    assertEquals("raw/d/x.jsonl#" + jsonl.indexOf("{\"text\":\"no id\"}"), out.documents.get(1).id(), "no id: key#offset");
    assertEquals(List.of(JsonlRecords.NOT_JSON, JsonlRecords.MISSING_FIELD, JsonlRecords.NOT_JSON), out.reasons());
    assertTrue(out.drops.get(1).detail().contains("[id, body]"), out.drops.get(1).detail());
  }

  @Test
  void configuredFieldNamesAreRead() throws Exception {
    byte[] bytes = "{\"content\":\"hello\",\"doc_id\":7,\"link\":\"https://x/\"}\n".getBytes(StandardCharsets.UTF_8);
    Collected out = new Collected();
    JsonlRecords.readBytes(new ByteArrayInputStream(bytes), "k.jsonl", 0, bytes.length,
        new RunSpec.DataSpec.Fields("content", "doc_id", "link"), out);
    assertEquals(List.of("hello"), out.texts());
    assertEquals("7", out.documents.get(0).id());
    assertEquals("https://x/", out.documents.get(0).url());
    assertEquals(RawDocument.PLAIN_TEXT, out.documents.get(0).contentType());
  }

  @Test
  void anySplitOfAPlainObjectIntoByteRangesReadsEveryLineOnce() throws Exception {
    List<Doc> docs = docs(6, PARAGRAPH);
    byte[] bytes = IngestFixtures.jsonlText(docs).getBytes(StandardCharsets.UTF_8);
    List<String> expected = docs.stream().map(Doc::text).toList();
    for (int a = 0; a <= bytes.length; a += 7) {
      for (int b = a; b <= bytes.length; b += 29) {
        long[] cuts = {0, a, b, bytes.length};
        Collected out = new Collected();
        for (int s = 0; s + 1 < cuts.length; s++) {
          long start = cuts[s];
          int from = (int) Math.max(0, start - 1);
          JsonlRecords.readBytes(new ByteArrayInputStream(bytes, from, bytes.length - from), "k.jsonl", start, cuts[s + 1],
              DEFAULT, out);
        }
        assertEquals(expected, out.texts(), "cuts at " + a + " and " + b);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"raw/d/a.jsonl", "raw/d/a.jsonl.gz", "raw/d/a.jsonl.zst"})
  void planningSlicesEveryFormOfJsonlSoEachRecordIsReadOnce(String key) {
    List<Doc> docs = docs(25, PARAGRAPH);
    byte[] plain = IngestFixtures.jsonlText(docs).getBytes(StandardCharsets.UTF_8);
    byte[] stored = key.endsWith(".gz") ? IngestFixtures.gzip(plain) : key.endsWith(".zst") ? IngestFixtures.zstd(plain) : plain;
    MemorySource source = new MemorySource().put(key, stored);
    RunSpec.DataSpec data = IngestFixtures.data("auto", null, 10);
    List<List<Object>> plan = new ShardPlanner(source, data).plan(List.of(key), () -> {});

    assertEquals(3, plan.size(), "25 lines, 10 a shard");
    List<String> texts = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    ShardReader reader = new ShardReader(source, data);
    for (List<JsonNode> shard : IngestFixtures.roundTrip(plan)) {
      ShardReader.Batch batch = reader.read(shard, () -> {});
      assertTrue(batch.documents().size() <= 10);
      batch.documents().forEach(d -> texts.add(new String(d.content(), StandardCharsets.UTF_8)));
      batch.documents().forEach(d -> ids.add(d.id()));
      assertTrue(batch.drops().isEmpty());
    }
    assertEquals(docs.stream().map(Doc::text).toList(), texts);
    assertEquals(docs.stream().map(Doc::id).toList(), ids);
  }

  @Test
  void aLastLineWithoutNewlineIsReadOnceAtAnyShardSize() {
    List<Doc> docs = docs(7, PARAGRAPH);
    String text = IngestFixtures.jsonlText(docs);
    MemorySource source = new MemorySource().put("raw/d/n.jsonl", text.substring(0, text.length() - 1).getBytes(StandardCharsets.UTF_8));
    for (int perShard : new int[] {1, 2, 3, 7, 100}) {
      RunSpec.DataSpec data = IngestFixtures.data("auto", null, perShard);
      List<String> texts = new ArrayList<>();
      ShardReader reader = new ShardReader(source, data);
      for (List<JsonNode> shard : IngestFixtures.roundTrip(new ShardPlanner(source, data).plan(List.of("raw/d/n.jsonl"), () -> {}))) {
        reader.read(shard, () -> {}).documents().forEach(d -> texts.add(new String(d.content(), StandardCharsets.UTF_8)));
      }
      assertEquals(docs.stream().map(Doc::text).toList(), texts, perShard + " a shard");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"raw/d/cut.jsonl.gz", "raw/d/cut.jsonl.zst"})
  void aTruncatedCompressedStreamIsACountedDrop(String key) {
    List<Doc> docs = docs(40, PARAGRAPH + " " + PARAGRAPH);
    byte[] plain = IngestFixtures.jsonlText(docs).getBytes(StandardCharsets.UTF_8);
    byte[] whole = key.endsWith(".gz") ? IngestFixtures.gzip(plain) : IngestFixtures.zstd(plain);
    MemorySource source = new MemorySource().put(key, Arrays.copyOf(whole, whole.length / 2));
    RunSpec.DataSpec data = IngestFixtures.data("auto", null, 1000);
    List<List<Object>> plan = new ShardPlanner(source, data).plan(List.of(key), () -> {});
    ShardReader.Batch batch = new ShardReader(source, data).read(IngestFixtures.roundTrip(plan).get(0), () -> {});

    assertTrue(batch.documents().size() < docs.size());
    assertEquals(1, batch.drops().size(), batch.drops().toString());
    assertTrue(batch.drops().get(0).reason().startsWith("jsonl:"), batch.drops().get(0).reason());
  }

  @Test
  void aWrongTextFieldFailsPlanningNamingObjectFieldFieldsAndFix() {
    byte[] bytes = IngestFixtures.jsonlText(docs(3, PARAGRAPH)).getBytes(StandardCharsets.UTF_8);
    MemorySource source = new MemorySource().put("raw/d/rows.jsonl", bytes);
    RunSpec.DataSpec data = IngestFixtures.data("jsonl", new RunSpec.DataSpec.Fields("content", null, null), 100);
    ApplicationFailure failure = assertThrows(ApplicationFailure.class,
        () -> new ShardPlanner(source, data).plan(List.of("raw/d/rows.jsonl"), () -> {}));
    assertEquals(Failures.BAD_DATA, failure.getType());
    assertTrue(failure.isNonRetryable());
    String message = failure.getOriginalMessage();
    for (String part : List.of("raw/d/rows.jsonl", "'content'", "[id, url, text]", "Fix: set data.fields.text")) {
      assertTrue(message.contains(part), part + " in: " + message);
    }
  }
}
