package dev.kiln.activities.curation.ingest;

import static dev.kiln.activities.curation.ingest.IngestFixtures.docs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.activities.curation.RawDocument;
import dev.kiln.activities.curation.ingest.IngestFixtures.Collected;
import dev.kiln.activities.curation.ingest.IngestFixtures.Doc;
import dev.kiln.activities.curation.ingest.IngestFixtures.MemorySource;
import dev.kiln.workflows.spec.RunSpec;
import java.io.ByteArrayInputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WarcRecordsTest {
  private static final String PARAGRAPH = "Plain words about the weather, the sea and the hills.";

  private static Collected readWhole(String key, byte[] warc) throws Exception {
    Collected out = new Collected();
    WarcRecords.read(new MemorySource().put(key, warc), key, 0, warc.length, out);
    return out;
  }

  /** Plans {@code key} in slices of {@code recordsPerShard} records and reads every shard. */
  private static Collected planAndRead(String key, byte[] warc, int recordsPerShard) {
    MemorySource source = new MemorySource().put(key, warc);
    RunSpec.DataSpec data = IngestFixtures.data("auto", null, recordsPerShard);
    Collected out = new Collected();
    ShardReader reader = new ShardReader(source, data);
    for (List<JsonNode> shard : IngestFixtures.roundTrip(new ShardPlanner(source, data).plan(List.of(key), () -> {}))) {
      ShardReader.Batch batch = reader.read(shard, () -> {});
      batch.documents().forEach(out::accept);
      batch.drops().forEach(out::drop);
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void responsesBecomeDocumentsWithUrlCharsetAndOffsetIds(boolean gzip) throws Exception {
    List<Doc> docs = docs(3, PARAGRAPH);
    String key = gzip ? "raw/c/a.warc.gz" : "raw/c/a.warc";
    Collected out = readWhole(key, IngestFixtures.warc(docs, gzip, StandardCharsets.UTF_8));

    assertEquals(docs.stream().map(Doc::text).toList(), out.texts(), "one document per response, requests skipped");
    assertEquals(docs.stream().map(Doc::url).toList(), out.documents.stream().map(RawDocument::url).toList());
    out.documents.forEach(d -> assertEquals("UTF-8", d.charset()));
    out.documents.forEach(d -> assertEquals(RawDocument.PLAIN_TEXT, d.contentType()));
    Set<String> ids = new HashSet<>();
    out.documents.forEach(d -> assertTrue(d.id().matches("raw/c/a\\.warc(\\.gz)?#\\d+") && ids.add(d.id()), d.id()));
    assertEquals(List.of(WarcRecords.NOT_TEXT), out.reasons(), "the PNG response is counted, not read");
    assertEquals("https://example.org/logo.png", out.drops.get(0).url());
  }

  @Test
  void theHttpCharsetTravelsToTheDocument() throws Exception {
    Charset cp1251 = Charset.forName("windows-1251");
    Collected out = readWhole("raw/c/ru.warc", IngestFixtures.warc(
        List.of(new Doc("r", "https://example.ru/", "Привет, мир")), false, cp1251));
    assertEquals("windows-1251", out.documents.get(0).charset());
  }

  @Test
  void wetConversionRecordsArePlainText() throws Exception {
    List<Doc> docs = docs(4, PARAGRAPH);
    Collected out = readWhole("raw/c/a.warc.wet.gz", IngestFixtures.wet(docs, true));
    assertEquals(docs.stream().map(Doc::text).toList(), out.texts());
    assertEquals(docs.get(2).url(), out.documents.get(2).url());
    assertTrue(out.drops.isEmpty());
  }

  @Test
  void aTruncatedGzipIsOneCountedDropAfterTheRecordsBeforeIt() throws Exception {
    List<Doc> docs = docs(5, PARAGRAPH);
    byte[] whole = IngestFixtures.warc(docs, true, StandardCharsets.UTF_8);
    byte[] cut = java.util.Arrays.copyOf(whole, whole.length * 2 / 3);
    Collected out = readWhole("raw/c/cut.warc.gz", cut);
    assertTrue(out.documents.size() >= 1 && out.documents.size() < docs.size(), "read " + out.documents.size());
    assertEquals(docs.subList(0, out.documents.size()).stream().map(Doc::text).toList(), out.texts());
    assertEquals(1, out.drops.size(), out.drops.toString());
    assertTrue(out.reasons().get(0).startsWith("warc:"), out.reasons().toString());
  }

  @Test
  void aRecordWithAWrongContentLengthIsCountedNotThrown() throws Exception {
    List<Doc> docs = docs(3, PARAGRAPH);
    String warc = new String(IngestFixtures.warc(docs, false, StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    // the second response (the fifth record: warcinfo, request, response, request, response) claims 7 bytes more
    int response = warc.lastIndexOf("WARC/1.", nthIndexOf(warc, "WARC-Type: response", 2));
    int lengthAt = warc.indexOf("Content-Length: ", response) + "Content-Length: ".length();
    int lengthEnd = warc.indexOf("\r\n", lengthAt);
    long length = Long.parseLong(warc.substring(lengthAt, lengthEnd));
    String broken = warc.substring(0, lengthAt) + (length + 7) + warc.substring(lengthEnd);

    Collected out = readWhole("raw/c/bad.warc", broken.getBytes(StandardCharsets.ISO_8859_1));
    assertEquals(docs.get(0).text(), out.texts().get(0));
    assertEquals(List.of(WarcRecords.BAD_RECORD, WarcRecords.NOT_TEXT), out.reasons(), out.drops.toString());
    assertEquals(docs.get(2).text(), out.texts().get(out.texts().size() - 1), "reading goes on after the broken record");
    assertEquals(out.texts(), planAndRead("raw/c/bad.warc", broken.getBytes(StandardCharsets.ISO_8859_1), 3).texts(),
        "planned in slices, the same records");
  }

  @Test
  void aCorruptGzipMemberInTheMiddleIsOneDropAndEveryOtherRecordIsReadOnce() throws Exception {
    List<Doc> docs = docs(12, PARAGRAPH);
    byte[] warc = IngestFixtures.warc(docs, true, StandardCharsets.UTF_8);
    // the member of the 6th response: find its gzip header by reading record offsets, then garble its deflate data
    WarcRecords.Scan scan = WarcRecords.scan(new MemorySource().put("k", warc), "k");
    long member = scan.recordStarts().get(12); // warcinfo, then request/response pairs: record 12 is the 6th response
    long next = scan.recordStarts().get(13);
    byte[] broken = warc.clone();
    for (long i = member + 12; i < next - 10; i++) {
      broken[(int) i] ^= (byte) 0x55;
    }
    for (int recordsPerShard : new int[] {4, 1000}) {
      Collected out = planAndRead("raw/c/corrupt.warc.gz", broken, recordsPerShard);
      List<String> expected = new ArrayList<>(docs.stream().map(Doc::text).toList());
      expected.remove(5);
      assertEquals(expected, out.texts(), "at " + recordsPerShard + " a shard");
      assertEquals(List.of(WarcRecords.BAD_RECORD, WarcRecords.NOT_TEXT), out.reasons(), out.drops.toString());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"raw/c/big.warc", "raw/c/big.warc.gz"})
  void aLargeWarcIsPlannedInSlicesThatCoverEveryRecordOnce(String key) {
    List<Doc> docs = docs(23, PARAGRAPH);
    MemorySource source = new MemorySource().put(key, IngestFixtures.warc(docs, key.endsWith(".gz"), StandardCharsets.UTF_8));
    ShardPlanner planner = new ShardPlanner(source, IngestFixtures.data("auto", null, 10));
    List<List<Object>> plan = planner.plan(List.of(key), () -> {});

    // 1 warcinfo + 23 requests + 23 responses + 1 image = 48 records: 5 slices of at most 10 records, one a shard
    assertEquals(5, plan.size(), plan.toString());
    plan.forEach(shard -> assertEquals(Slice.BYTES, ((Slice) shard.get(0)).unit()));
    List<String> texts = new ArrayList<>();
    List<String> drops = new ArrayList<>();
    ShardReader reader = new ShardReader(source, IngestFixtures.data("auto", null, 10));
    for (List<JsonNode> shard : IngestFixtures.roundTrip(plan)) {
      ShardReader.Batch batch = reader.read(shard, () -> {});
      batch.documents().forEach(d -> texts.add(new String(d.content(), StandardCharsets.UTF_8)));
      batch.drops().forEach(d -> drops.add(d.reason()));
    }
    assertEquals(docs.stream().map(Doc::text).toList(), texts, "every response once, in order");
    assertEquals(List.of(WarcRecords.NOT_TEXT), drops);
  }

  @Test
  void aWarcGzippedAsOneStreamIsPlannedByRecordOrdinal() {
    List<Doc> docs = docs(12, PARAGRAPH);
    byte[] plain = IngestFixtures.warc(docs, false, StandardCharsets.UTF_8);
    MemorySource source = new MemorySource().put("raw/c/one.warc.gz", IngestFixtures.gzip(plain));
    List<List<Object>> plan = new ShardPlanner(source, IngestFixtures.data("auto", null, 7)).plan(List.of("raw/c/one.warc.gz"), () -> {});
    assertTrue(plan.size() > 1);
    List<String> texts = new ArrayList<>();
    ShardReader reader = new ShardReader(source, IngestFixtures.data("auto", null, 7));
    for (List<JsonNode> shard : IngestFixtures.roundTrip(plan)) {
      assertEquals(Slice.RECORDS, shard.get(0).get("unit").asText());
      reader.read(shard, () -> {}).documents().forEach(d -> texts.add(new String(d.content(), StandardCharsets.UTF_8)));
    }
    assertEquals(docs.stream().map(Doc::text).toList(), texts);
  }

  @Test
  void aPayloadOverTheCapIsACountedDrop() throws Exception {
    String huge = "a".repeat(WarcRecords.MAX_PAYLOAD_BYTES + 1);
    List<Doc> docs = List.of(new Doc("big", "https://example.org/big", huge), new Doc("small", "https://example.org/s", PARAGRAPH));
    Collected out = readWhole("raw/c/big.warc.gz", IngestFixtures.warc(docs, true, StandardCharsets.UTF_8));
    assertEquals(List.of(PARAGRAPH), out.texts());
    assertEquals(List.of(WarcRecords.TOO_LARGE, WarcRecords.NOT_TEXT), out.reasons());
  }

  @Test
  void requestsAndWarcinfoAreNotDocumentsAndNotDrops() throws Exception {
    Collected out = readWhole("raw/c/empty.warc", IngestFixtures.warc(List.of(), false, StandardCharsets.UTF_8));
    assertTrue(out.documents.isEmpty());
    assertEquals(List.of(WarcRecords.NOT_TEXT), out.reasons());
    assertNull(out.documents.stream().findFirst().orElse(null));
  }

  private static int nthIndexOf(String s, String what, int n) {
    int at = -1;
    for (int i = 0; i < n; i++) {
      at = s.indexOf(what, at + 1);
    }
    return at;
  }
}
