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
 * {@code resource} records; the Content-Type declares whether a document is HTML or plain text (a conversion
 * record without one is plain text), and only without one is the type guessed from the payload. {@code request},
 * {@code metadata}, {@code warcinfo}, {@code revisit} and {@code continuation} records are skipped without counting. A document's id is {@code <key>#<offset>}, the byte
 * offset of its record in the object (of its gzip member for .warc.gz), or {@code <key>#r<ordinal>} for a WARC
 * gzipped as one stream. A record that cannot be parsed (wrong Content-Length, truncated gzip) is counted once as
 * {@code warc:bad-record} or {@code warc:truncated}, and reading goes on at the next offset where a whole record
 * parses (the next gzip member, or the next {@code WARC/1.} line); in a WARC gzipped as one stream nothing after it
 * can be found, so it ends the object.
 */
public final class WarcRecords {
  public static final String NOT_TEXT = "warc:not-text";
  public static final String BAD_RECORD = "warc:bad-record";
  public static final String TRUNCATED = "warc:truncated";
  public static final String BAD_HTTP = "warc:bad-http";
  public static final String TOO_LARGE = "warc:too-large";
  /** A page's payload is read whole; one larger than this (Common Crawl truncates at 1 MiB) is not a page. */
  static final int MAX_PAYLOAD_BYTES = 16 << 20;

  private WarcRecords() {}

  /** Where the records of an object start, from one streaming pass; {@code error} is set where parsing stopped. */
  public record Scan(List<Long> recordStarts, boolean gzip, String error) {}

  /**
   * Finds where the records of {@code key} start, streaming it. Past a record that cannot be parsed, the scan goes on
   * from the next offset where a whole record parses ({@link #resync}), so one broken record does not hide the rest.
   */
  public static Scan scan(RangedSource source, String key) throws IOException {
    List<Long> starts = new ArrayList<>();
    Boolean gzip = null;
    String error = null;
    long segment = 0;
    while (segment >= 0) {
      long base = segment;
      segment = -1;
      try (WarcReader reader = new WarcReader(source.open(key, base, -1))) {
        gzip = gzip != null ? gzip : reader.compression() == WarcCompression.GZIP;
        for (Optional<WarcRecord> r = reader.next(); r.isPresent(); r = reader.next()) {
          starts.add(base + reader.position());
        }
      } catch (IOException | RuntimeException e) {
        error = String.valueOf(e.getMessage());
        if (gzip == null) {
          break; // not even the first record's framing could be read
        }
        segment = resync(source, key, (starts.isEmpty() ? base : starts.get(starts.size() - 1)) + 1, -1, gzip);
      }
    }
    return new Scan(starts, Boolean.TRUE.equals(gzip), error);
  }

  /**
   * The first offset in {@code [from, end)} (end -1: the object's end) where a WARC record starts and parses through
   * its end: a gzip member header ({@code 1f 8b 08}) for a compressed WARC, a line {@code WARC/1.} for a plain one.
   * -1 when there is none.
   */
  static long resync(RangedSource source, String key, long from, long end, boolean gzip) throws IOException {
    try (InputStream in = new java.io.BufferedInputStream(source.open(key, from, end), 1 << 16)) {
      byte[] pattern = gzip ? new byte[] {0x1f, (byte) 0x8b, 0x08} : "\nWARC/1.".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      int skip = gzip ? 0 : 1; // the candidate starts after the newline
      int matched = 0;
      long pos = from;
      for (int b; (b = in.read()) >= 0; pos++) {
        if ((byte) b == pattern[matched]) {
          matched++;
        } else {
          matched = (byte) b == pattern[0] ? 1 : 0;
        }
        if (matched == pattern.length) {
          long candidate = pos - pattern.length + 1 + skip;
          if (parsesAt(source, key, candidate, end)) {
            return candidate;
          }
          matched = 0;
        }
      }
    }
    return -1;
  }

  /** True when a record at {@code offset} parses, its body and trailer included. */
  private static boolean parsesAt(RangedSource source, String key, long offset, long end) {
    try (WarcReader reader = new WarcReader(source.open(key, offset, end))) {
      if (reader.next().isEmpty()) {
        return false;
      }
      reader.next(); // consumes the first record's body and trailer, then parses the next header (or ends)
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Reads the records that start in the byte range {@code [start, end)} of {@code key}; {@code start} is a record
   * start. A record that cannot be parsed is counted once ({@code warc:bad-record} or {@code warc:truncated}) and
   * reading goes on at the next record that parses, as the planning scan does.
   */
  public static void read(RangedSource source, String key, long start, long end, RecordSink sink) throws IOException {
    long segment = start;
    Boolean gzip = null;
    while (segment >= 0 && segment < end) {
      long base = segment;
      long[] last = {-1};
      boolean[] compressed = {false};
      boolean clean;
      try (InputStream in = source.open(key, base, end)) {
        clean = read(in, key, base, false, 0, Long.MAX_VALUE, sink, last, compressed);
      }
      gzip = gzip != null ? gzip : compressed[0];
      segment = clean ? -1 : resync(source, key, (last[0] >= 0 ? last[0] : base) + 1, end, gzip);
    }
  }

  /**
   * Reads the records of {@code in}, which starts at byte {@code base} of object {@code key} on a record boundary.
   * With {@code byOrdinal} ids are record ordinals and only records {@code [from, to)} are read.
   */
  public static void read(InputStream in, String key, long base, boolean byOrdinal, long from, long to, RecordSink sink)
      throws IOException {
    read(in, key, base, byOrdinal, from, to, sink, new long[1], new boolean[1]);
  }

  /**
   * Reads a whole WARC or WET stream (a local file, say) from its first record; ids are {@code <name>#<offset>}.
   * A broken record ends the stream here: resuming after it needs ranged reads ({@link #read(RangedSource, String,
   * long, long, RecordSink)}).
   */
  public static void read(InputStream in, String name, RecordSink sink) throws IOException {
    read(in, name, 0, false, 0, Long.MAX_VALUE, sink);
  }

  /** @return false when reading stopped at a record that cannot be read; {@code last[0]}: that record's offset */
  private static boolean read(InputStream in, String key, long base, boolean byOrdinal, long from, long to,
      RecordSink sink, long[] last, boolean[] gzip) throws IOException {
    long ordinal = 0;
    String at = key + "#" + (byOrdinal ? "r0" : String.valueOf(base));
    last[0] = -1;
    WarcReader reader;
    try {
      reader = new WarcReader(in);
    } catch (EOFException e) {
      sink.drop(new IngestDrop(at, null, TRUNCATED, "the WARC ends inside its first record: " + e.getMessage()));
      return false;
    }
    gzip[0] = reader.compression() == WarcCompression.GZIP;
    try (reader) {
      while (true) {
        Optional<WarcRecord> next;
        try {
          next = reader.next();
        } catch (ParsingException | EOFException | java.util.zip.ZipException e) {
          sink.drop(new IngestDrop(at, null, e instanceof EOFException ? TRUNCATED : BAD_RECORD,
              "the record at or after " + at + " cannot be read: " + e.getMessage()));
          return false;
        }
        if (next.isEmpty()) {
          return true;
        }
        long n = ordinal++;
        last[0] = base + reader.position();
        String id = key + "#" + (byOrdinal ? "r" + n : String.valueOf(base + reader.position()));
        at = id;
        if (byOrdinal && n < from) {
          continue;
        }
        if (byOrdinal && n >= to) {
          return true;
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
        } catch (EOFException | java.util.zip.ZipException e) {
          sink.drop(new IngestDrop(id, target(next.get()), e instanceof EOFException ? TRUNCATED : BAD_RECORD,
              "record cannot be read to its end: " + e.getMessage()));
          return false;
        }
      }
    }
  }

  /** A RawDocument, an IngestDrop, or nothing for records that are not documents. */
  private static Optional<Object> document(WarcRecord record, String id) throws IOException {
    String url = target(record);
    MediaType type;
    MessageBody body;
    if (record instanceof WarcResponse response) {
      HttpResponse http = response.http();
      type = http.headers().first("Content-Type").map(MediaType::parseLeniently).orElse(null);
      body = http.bodyDecoded();
    } else if (record instanceof WarcConversion || record instanceof WarcResource) {
      type = record.headers().first("Content-Type").map(MediaType::parseLeniently)
          .orElse(record instanceof WarcConversion ? MediaType.PLAIN_TEXT : null);
      body = record.body();
    } else {
      return Optional.empty();
    }
    String contentType = type == null ? null : kind(type);
    if (type != null && contentType == null) {
      // not read: the reader skips the body of a record it moves past
      return Optional.of(new IngestDrop(id, url, NOT_TEXT, "content type " + base(type) + (url == null ? "" : " at " + url)));
    }
    byte[] content = Channels.newInputStream(body).readNBytes(MAX_PAYLOAD_BYTES + 1);
    if (content.length > MAX_PAYLOAD_BYTES) {
      return Optional.of(new IngestDrop(id, url, TOO_LARGE, "payload over " + MAX_PAYLOAD_BYTES + " bytes"));
    }
    if (contentType == null) {
      // no Content-Type: the type is a guess from the bytes, and extraction may still go by the id
      return Optional.of(new RawDocument(id, content,
          RawDocument.looksLikeHtml(content) ? RawDocument.HTML : RawDocument.PLAIN_TEXT, url, null));
    }
    return Optional.of(RawDocument.declared(id, content, contentType, url, type.parameters().get("charset")));
  }

  /** HTML or plain text for the media types that are read, else null. */
  private static String kind(MediaType type) {
    switch (base(type)) {
      case "text/html":
      case "application/xhtml+xml":
        return RawDocument.HTML;
      case "text/plain":
        return RawDocument.PLAIN_TEXT;
      default:
        return null;
    }
  }

  private static String base(MediaType type) {
    return (type.type() + "/" + type.subtype()).toLowerCase(Locale.ROOT);
  }

  private static String target(WarcRecord record) {
    return record instanceof WarcTargetRecord t ? t.target() : null;
  }

}
