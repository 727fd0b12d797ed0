package dev.kiln.activities.curation.ingest;

import static dev.kiln.activities.curation.ingest.IngestFixtures.docs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.activities.curation.RawDocument;
import dev.kiln.activities.curation.ingest.IngestFixtures.Collected;
import dev.kiln.activities.curation.ingest.IngestFixtures.Doc;
import dev.kiln.activities.curation.ingest.IngestFixtures.MemorySource;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalFilesTest {

  @Test
  void rangedReadsReturnTheBytesOfTheRange(@TempDir Path dir) throws Exception {
    byte[] bytes = "0123456789".getBytes(StandardCharsets.US_ASCII);
    Files.write(dir.resolve("digits.txt"), bytes);
    LocalFiles files = new LocalFiles(dir);
    assertEquals(10, files.size("digits.txt"));
    try (InputStream in = files.open("digits.txt", 3, 7)) {
      assertArrayEquals("3456".getBytes(StandardCharsets.US_ASCII), in.readAllBytes());
    }
    try (InputStream in = files.open("digits.txt", 8, -1)) {
      assertArrayEquals("89".getBytes(StandardCharsets.US_ASCII), in.readAllBytes());
    }
    try (InputStream in = files.open("digits.txt", 8, 20)) {
      assertArrayEquals("89".getBytes(StandardCharsets.US_ASCII), in.readAllBytes(), "a range past the end stops there");
    }
  }

  @Test
  void aLocalWarcReadsAsTheSameObjectInTheBucket(@TempDir Path dir) throws Exception {
    List<Doc> docs = docs(9, "Plain words about the weather, the sea and the hills.");
    byte[] warc = IngestFixtures.warc(docs, true, StandardCharsets.UTF_8);
    // a truncated tail: the reader's resync and drop accounting run the same over local files
    byte[] cut = Arrays.copyOf(warc, warc.length - 40);
    Files.createDirectories(dir.resolve("c"));
    Files.write(dir.resolve("c/a.warc.gz"), cut);
    LocalFiles files = new LocalFiles(dir);
    MemorySource bucket = new MemorySource().put("c/a.warc.gz", cut);

    Collected local = new Collected();
    WarcRecords.read(files, "c/a.warc.gz", 0, files.size("c/a.warc.gz"), local);
    Collected stored = new Collected();
    WarcRecords.read(bucket, "c/a.warc.gz", 0, cut.length, stored);

    assertEquals(stored.texts(), local.texts());
    assertEquals(stored.documents.stream().map(RawDocument::id).toList(), local.documents.stream().map(RawDocument::id).toList());
    assertEquals(stored.reasons(), local.reasons());
    assertEquals(docs.subList(0, local.documents.size()).stream().map(Doc::text).toList(), local.texts());

    // a byte range from a record start, as a planned slice reads it
    long fourth = WarcRecords.scan(files, "c/a.warc.gz").recordStarts().get(7); // warcinfo, 3 pairs, request 3
    Collected tail = new Collected();
    WarcRecords.read(files, "c/a.warc.gz", fourth, cut.length, tail);
    assertEquals(local.texts().subList(3, local.texts().size()), tail.texts());
  }
}
