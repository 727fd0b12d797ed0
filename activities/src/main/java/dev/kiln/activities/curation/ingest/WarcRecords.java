package dev.kiln.activities.curation.ingest;

import dev.kiln.activities.curation.RawDocument;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.netpreserve.jwarc.HttpResponse;
import org.netpreserve.jwarc.MediaType;
import org.netpreserve.jwarc.MessageBody;
import org.netpreserve.jwarc.ParsingException;
import org.netpreserve.jwarc.WarcCompression;
import org.netpreserve.jwarc.WarcConversion;
import org.netpreserve.jwarc.WarcReader;
import org.netpreserve.jwarc.WarcRecord;
import org.netpreserve.jwarc.WarcResource;
import org.netpreserve.jwarc.WarcResponse;
import org.netpreserve.jwarc.WarcTargetRecord;

/**
 * Reads WARC and WET files (plain or gzipped) with jwarc. Documents come from {@code response} records (the HTTP
 * payload, typed and charset-labelled by the HTTP Content-Type), {@code conversion} records (WET plain text) and
 * {@code resource} records; {@code request}, {@code metadata}, {@code warcinfo}, {@code revisit} and
 * {@code continuation} records are skipped without counting. A document's id is {@code <key>#<offset>}, the byte
 * offset of its record in the object (of its gzip member for .warc.gz), or {@code <key>#r<ordinal>} for a WARC
 * gzipped as one stream. A record that cannot be parsed (wrong Content-Length, truncated gzip) ends the slice: it is
 * counted once as {@code warc:bad-record} or {@code warc:truncated}, since nothing after it can be found reliably.
 */
public final class WarcRecords {
  public static final String NOT_TEXT = "warc:not-text";
  public static final String BAD_RECORD = "warc:bad-record";
  public static final String TRUNCATED = "warc:truncated";
  public static final String BAD_HTTP = "warc:bad-http";

  private WarcRecords() {}

  /** Where the records of an object start, from one streaming pass; {@code error} is set where parsing stopped. */
  public record Scan(List<Long> recordStarts, boolean gzip, String error) {}

  public static Scan scan(InputStream in) {
    List<Long> starts = new ArrayList<>();
    boolean gzip = false;
    try (WarcReader reader = new WarcReader(in)) {
      gzip = reader.compression() == WarcCompression.GZIP;
      for (Optional<WarcRecord> r = reader.next(); r.isPresent(); r = reader.next()) {
        starts.add(reader.position());
      }
      return new Scan(starts, gzip, null);
    } catch (IOException | RuntimeException e) {
      return new Scan(starts, gzip, String.valueOf(e.getMessage()));
    }
  }

  /**
   * Reads the records of {@code in}, which starts at byte {@code base} of object {@code key} on a record boundary.
   * With {@code byOrdinal} ids are record ordinals and only records {@code [from, to)} are read.
   */
  public static void read(InputStream in, String key, long base, boolean byOrdinal, long from, long to, RecordSink sink)
      throws IOException {
    long ordinal = 0;
    String at = key + "#" + (byOrdinal ? "r0" : String.valueOf(base));
    try (WarcReader reader = new WarcReader(in)) {
      while (true) {
        Optional<WarcRecord> next;
        try {
          next = reader.next();
        } catch (ParsingException | EOFException e) {
          sink.drop(new IngestDrop(at, null, e instanceof EOFException ? TRUNCATED : BAD_RECORD,
              "record after " + at + " cannot be read: " + e.getMessage()));
          return;
        }
        if (next.isEmpty()) {
          return;
        }
        long n = ordinal++;
        String id = key + "#" + (byOrdinal ? "r" + n : String.valueOf(base + reader.position()));
        at = id;
        if (byOrdinal && n < from) {
          continue;
        }
        if (byOrdinal && n >= to) {
          return;
        }
        try {
          document(next.get(), id).ifPresent(d -> {
            if (d instanceof RawDocument doc) {
              sink.accept(doc);
            } else {
              sink.drop((IngestDrop) d);
            }
          });
        } catch (ParsingException e) {
          sink.drop(new IngestDrop(id, target(next.get()), BAD_HTTP, "HTTP message cannot be parsed: " + e.getMessage()));
        } catch (EOFException e) {
          sink.drop(new IngestDrop(id, target(next.get()), TRUNCATED, "record is cut short: " + e.getMessage()));
          return;
        }
      }
    }
  }

  /** A RawDocument, an IngestDrop, or nothing for records that are not documents. */
  private static Optional<Object> document(WarcRecord record, String id) throws IOException {
    String url = target(record);
    if (record instanceof WarcResponse response) {
      HttpResponse http = response.http();
      MediaType type = http.headers().first("Content-Type").map(MediaType::parseLeniently).orElse(null);
      MessageBody body = http.bodyDecoded();
      return Optional.of(typed(id, url, type, readAll(body)));
    }
    if (record instanceof WarcConversion || record instanceof WarcResource) {
      MediaType type = record.headers().first("Content-Type").map(MediaType::parseLeniently)
          .orElse(record instanceof WarcConversion ? MediaType.PLAIN_TEXT : null);
      return Optional.of(typed(id, url, type, readAll(record.body())));
    }
    return Optional.empty();
  }

  private static Object typed(String id, String url, MediaType type, byte[] content) {
    if (type == null) {
      return new RawDocument(id, content, RawDocument.looksLikeHtml(content) ? RawDocument.HTML : RawDocument.PLAIN_TEXT, url);
    }
    String base = (type.type() + "/" + type.subtype()).toLowerCase(Locale.ROOT);
    String charset = type.parameters().get("charset");
    switch (base) {
      case "text/html":
      case "application/xhtml+xml":
        return new RawDocument(id, content, RawDocument.HTML, url, charset);
      case "text/plain":
        return new RawDocument(id, content, RawDocument.PLAIN_TEXT, url, charset);
      default:
        return new IngestDrop(id, url, NOT_TEXT, "content type " + base + (url == null ? "" : " at " + url));
    }
  }

  private static String target(WarcRecord record) {
    return record instanceof WarcTargetRecord t ? t.target() : null;
  }

  private static byte[] readAll(MessageBody body) throws IOException {
    return Channels.newInputStream(body).readAllBytes();
  }
}
