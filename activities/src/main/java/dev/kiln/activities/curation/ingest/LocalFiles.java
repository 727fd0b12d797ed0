package dev.kiln.activities.curation.ingest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files under a local directory as a {@link RangedSource}, a key being a path relative to it: the readers
 * (WarcRecords, JsonlRecords, ...) then read a local file, or a byte range of it, exactly as they read an object
 * of the bucket in curateShard. For benchmarks and tools that have the data on disk.
 */
public final class LocalFiles implements RangedSource {
  private final Path dir;

  public LocalFiles(Path dir) {
    this.dir = dir;
  }

  @Override
  public InputStream open(String key, long start, long end) {
    try {
      SeekableByteChannel channel = Files.newByteChannel(dir.resolve(key));
      channel.position(start);
      InputStream in = Channels.newInputStream(channel);
      return end < 0 ? in : new Bounded(in, Math.max(0, end - start));
    } catch (IOException e) {
      throw new UncheckedIOException("opening " + dir.resolve(key) + ": " + e.getMessage(), e);
    }
  }

  @Override
  public long size(String key) {
    try {
      return Files.size(dir.resolve(key));
    } catch (IOException e) {
      throw new UncheckedIOException("sizing " + dir.resolve(key) + ": " + e.getMessage(), e);
    }
  }

  /** At most {@code remaining} bytes of {@code in}, as a ranged GET returns them. */
  private static final class Bounded extends FilterInputStream {
    private long remaining;

    Bounded(InputStream in, long remaining) {
      super(in);
      this.remaining = remaining;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        remaining--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = in.skip(Math.min(n, remaining));
      remaining -= skipped;
      return skipped;
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(in.available(), remaining);
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }
}
