package dev.kiln.activities.curation.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.ZstdOutputStream;
import dev.kiln.activities.curation.RawDocument;
import dev.kiln.workflows.spec.RunSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.netpreserve.jwarc.HttpRequest;
import org.netpreserve.jwarc.HttpResponse;
import org.netpreserve.jwarc.MediaType;
import org.netpreserve.jwarc.WarcCompression;
import org.netpreserve.jwarc.WarcConversion;
import org.netpreserve.jwarc.WarcRequest;
import org.netpreserve.jwarc.WarcResponse;
import org.netpreserve.jwarc.WarcWriter;
import org.netpreserve.jwarc.Warcinfo;

/** Container objects made in the tests with the formats' own writers (jwarc, parquet-hadoop, Jackson). */
public final class IngestFixtures {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant DATE = Instant.parse("2024-01-02T03:04:05Z");

  /** A document as a dataset row or a crawled page. */
  public record Doc(String id, String url, String text) {}

  /** Objects in memory with ranged reads, as the bucket serves them. */
  public static final class MemorySource implements RangedSource {
    public final Map<String, byte[]> objects = new LinkedHashMap<>();

    public MemorySource put(String key, byte[] bytes) {
      objects.put(key, bytes);
      return this;
    }

    @Override
    public InputStream open(String key, long start, long end) {
      byte[] b = objects.get(key);
      if (end < 0 && start >= b.length && b.length > 0) {
        // S3 answers 416 to a range that starts at or past the end of a non-empty object
        throw new IllegalArgumentException("range " + start + "- of " + key + " (" + b.length + " bytes) is not satisfiable");
      }
      int to = end < 0 ? b.length : (int) Math.min(end, b.length);
      int from = (int) Math.min(start, to);
      return new ByteArrayInputStream(b, from, to - from);
    }

    @Override
    public long size(String key) {
      return objects.get(key).length;
    }
  }

  /** A sink that keeps everything. */
  public static final class Collected implements RecordSink {
    public final List<RawDocument> documents = new ArrayList<>();
    public final List<IngestDrop> drops = new ArrayList<>();

    @Override
    public void accept(RawDocument document) {
      documents.add(document);
    }

    @Override
    public void drop(IngestDrop drop) {
      drops.add(drop);
    }

    public List<String> texts() {
      return documents.stream().map(d -> new String(d.content(), StandardCharsets.UTF_8)).toList();
    }

    public List<String> reasons() {
      return drops.stream().map(IngestDrop::reason).toList();
    }
  }

  public static List<Doc> docs(int n, String paragraph) {
    List<Doc> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Doc("doc-" + i, "https://example.org/page/" + i, "Page number " + i + ". " + paragraph));
    }
    return out;
  }

  public static RunSpec.DataSpec data(String format, RunSpec.DataSpec.Fields fields, int recordsPerShard) {
    return new RunSpec.DataSpec(List.of("raw/x/"), 0.05, 200, null, null, format, fields, recordsPerShard);
  }

  /**
   * A WARC of a warcinfo record, then per document a request and a text/plain response (in {@code charset}),
   * and an image response at the end.
   */
  public static byte[] warc(List<Doc> docs, boolean gzip, Charset charset) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (WarcWriter writer = new WarcWriter(java.nio.channels.Channels.newChannel(out),
        gzip ? WarcCompression.GZIP : WarcCompression.NONE)) {
      writer.write(new Warcinfo.Builder().date(DATE).filename("test.warc").fields(Map.of("software", List.of("kiln-test"))).build());
      for (Doc d : docs) {
        writer.write(new WarcRequest.Builder(URI.create(d.url())).date(DATE)
            .body(new HttpRequest.Builder("GET", URI.create(d.url()).getPath()).build()).build());
        HttpResponse http = new HttpResponse.Builder(200, "OK")
            .body(MediaType.parse("text/plain; charset=" + charset.name()), d.text().getBytes(charset)).build();
        writer.write(new WarcResponse.Builder(URI.create(d.url())).date(DATE).body(http).build());
      }
      HttpResponse image = new HttpResponse.Builder(200, "OK")
          .body(MediaType.parse("image/png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2}).build();
      writer.write(new WarcResponse.Builder(URI.create("https://example.org/logo.png")).date(DATE).body(image).build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** A WET: one conversion record (plain text) per document. */
  public static byte[] wet(List<Doc> docs, boolean gzip) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (WarcWriter writer = new WarcWriter(java.nio.channels.Channels.newChannel(out),
        gzip ? WarcCompression.GZIP : WarcCompression.NONE)) {
      for (Doc d : docs) {
        writer.write(new WarcConversion.Builder().date(DATE).setHeader("WARC-Target-URI", d.url())
            .body(MediaType.PLAIN_TEXT, d.text().getBytes(StandardCharsets.UTF_8)).build());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static String jsonlText(List<Doc> docs) {
    StringBuilder s = new StringBuilder();
    for (Doc d : docs) {
      ObjectNode node = JSON.createObjectNode().put("id", d.id()).put("url", d.url()).put("text", d.text());
      s.append(node).append('\n');
    }
    return s.toString();
  }

  public static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static byte[] zstd(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream z = new ZstdOutputStream(out)) {
      z.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * A Parquet file with string columns {@code text} (or {@code textColumn}), {@code id}, {@code url}: one row group
   * per row when {@code groupPerRow} (a row group size of one byte, checked after every row), else one row group.
   */
  public static byte[] parquet(List<Doc> docs, String textColumn, boolean groupPerRow, CompressionCodecName codec) {
    MessageType schema = MessageTypeParser.parseMessageType("message doc { optional binary " + textColumn
        + " (STRING); optional binary id (STRING); optional binary url (STRING); }");
    try {
      Path dir = Files.createTempDirectory("kiln-parquet");
      Path file = dir.resolve("data.parquet");
      try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
          .withConf(new PlainParquetConfiguration()).withType(schema).withCompressionCodec(codec)
          .withRowGroupSize(groupPerRow ? 1L : 128L << 20).withMinRowCountForPageSizeCheck(1)
          .withMaxRowCountForPageSizeCheck(groupPerRow ? 1 : 10_000).withPageWriteChecksumEnabled(true).build()) {
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        for (Doc d : docs) {
          writer.write(groups.newGroup().append(textColumn, d.text()).append("id", d.id()).append("url", d.url()));
        }
      }
      byte[] bytes = Files.readAllBytes(file);
      Files.delete(file);
      Files.delete(dir);
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes a plan as JSON and reads it back, as planShards and curateShard do. */
  public static List<List<JsonNode>> roundTrip(List<List<Object>> plan) {
    try {
      return JSON.readValue(JSON.writeValueAsBytes(plan),
          new com.fasterxml.jackson.core.type.TypeReference<List<List<JsonNode>>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private IngestFixtures() {}
}
