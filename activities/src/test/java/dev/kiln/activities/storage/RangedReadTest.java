package dev.kiln.activities.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ranged reads against a real S3 endpoint (s3proxy), as the curation readers use them. */
class RangedReadTest {

  @Test
  void rangesReadTheirBytesAndSizeIsTheObjectsLength(@TempDir Path dir) throws Exception {
    byte[] bytes = new byte[100_000];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 31 + 7);
    }
    try (LocalBucket bucket = LocalBucket.start(dir, "ranges")) {
      ObjectStore store = bucket.store();
      store.put("raw/x/blob.bin", bytes);
      assertEquals(bytes.length, store.size("raw/x/blob.bin"));
      assertArrayEquals(bytes, read(store.open("raw/x/blob.bin", 0, -1)));
      assertArrayEquals(Arrays.copyOfRange(bytes, 1234, 5678), read(store.open("raw/x/blob.bin", 1234, 5678)));
      assertArrayEquals(Arrays.copyOfRange(bytes, 99_000, bytes.length), read(store.open("raw/x/blob.bin", 99_000, -1)));
      assertArrayEquals(new byte[0], read(store.open("raw/x/blob.bin", 500, 500)));
    }
  }

  private static byte[] read(InputStream in) throws Exception {
    try (in) {
      return in.readAllBytes();
    }
  }
}
