package dev.kiln.activities.curation.ingest;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * A stored object as Parquet's {@link InputFile}, read by ranged GETs: a seek opens a new range from the new
 * position (short forward seeks skip instead), so reading a footer or a row group fetches just those bytes.
 */
final class StoredInputFile implements InputFile {
  private static final long SKIP_LIMIT = 1 << 16;

  private final RangedSource source;
  private final String key;
  private final long length;

  StoredInputFile(RangedSource source, String key) {
    this.source = source;
    this.key = key;
    this.length = source.size(key);
  }

  @Override
  public long getLength() {
    return length;
  }

  @Override
  public SeekableInputStream newStream() {
    return new RangedStream();
  }

  @Override
  public String toString() {
    return key;
  }

  private final class RangedStream extends SeekableInputStream {
    private InputStream in;
    /** Where the open range ends (exclusive), or -1 when it runs to the object's end. */
    private long inEnd = -1;
    private long pos;

    /** The open range, or a new one from {@code pos}: of {@code len} bytes when the caller knows it, else to the end. */
    private InputStream in(long len) throws IOException {
      if (in != null && inEnd >= 0 && pos >= inEnd) {
        in.close();
        in = null;
      }
      if (in == null) {
        inEnd = len > 0 ? Math.min(length, pos + len) : -1;
        in = source.open(key, pos, inEnd);
      }
      return in;
    }

    @Override
    public long getPos() {
      return pos;
    }

    @Override
    public void seek(long newPos) throws IOException {
      if (newPos == pos) {
        return;
      }
      if (in != null && newPos > pos && newPos - pos <= SKIP_LIMIT && (inEnd < 0 || newPos < inEnd)) {
        in.skipNBytes(newPos - pos);
      } else if (in != null) {
        in.close();
        in = null;
      }
      pos = newPos;
    }

    @Override
    public int read() throws IOException {
      int b = in(-1).read();
      if (b >= 0) {
        pos++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return read(b, off, len, -1);
    }

    private int read(byte[] b, int off, int len, long wanted) throws IOException {
      int n = in(wanted).read(b, off, len);
      if (n > 0) {
        pos += n;
      }
      return n;
    }

    @Override
    public void readFully(byte[] bytes) throws IOException {
      readFully(bytes, 0, bytes.length);
    }

    @Override
    public void readFully(byte[] bytes, int start, int len) throws IOException {
      int done = 0;
      while (done < len) {
        // a known length opens a range of just those bytes (a footer, a column chunk): no connection is cut short
        int n = read(bytes, start + done, len - done, len - done);
        if (n < 0) {
          throw new EOFException(key + " ends at " + pos + ", " + (len - done) + " bytes short");
        }
        done += n;
      }
    }

    @Override
    public int read(ByteBuffer buf) throws IOException {
      int len = buf.remaining();
      if (len == 0) {
        return 0;
      }
      byte[] tmp = new byte[Math.min(len, 1 << 16)];
      int n = read(tmp, 0, tmp.length);
      if (n > 0) {
        buf.put(tmp, 0, n);
      }
      return n;
    }

    @Override
    public void readFully(ByteBuffer buf) throws IOException {
      byte[] tmp = new byte[Math.min(buf.remaining(), 1 << 16)];
      long total = buf.remaining();
      long done = 0;
      while (buf.hasRemaining()) {
        int want = Math.min(buf.remaining(), tmp.length);
        int got = 0;
        while (got < want) {
          int n = read(tmp, got, want - got, total - done - got);
          if (n < 0) {
            throw new EOFException(key + " ends at " + pos + ", " + (total - done - got) + " bytes short");
          }
          got += n;
        }
        buf.put(tmp, 0, want);
        done += want;
      }
    }

    @Override
    public void close() throws IOException {
      if (in != null) {
        in.close();
        in = null;
      }
    }
  }
}
