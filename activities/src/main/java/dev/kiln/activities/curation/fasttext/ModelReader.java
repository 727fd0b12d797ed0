package dev.kiln.activities.curation.fasttext;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads the little-endian values of a fastText model file from a stream, in order, through a small buffer (the
 * file is never held whole in memory: a dense lid.176.bin is 126 MB of floats that go straight into the matrix).
 */
final class ModelReader {
  private static final int CHUNK = 1 << 16;

  private final InputStream in;
  private final ByteBuffer buffer = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
  private long position;

  ModelReader(InputStream in) {
    this.in = in;
    buffer.limit(0);
  }

  long position() {
    return position;
  }

  private void need(int bytes) throws IOException {
    if (buffer.remaining() >= bytes) {
      return;
    }
    buffer.compact();
    while (buffer.position() < bytes) {
      int n = in.read(buffer.array(), buffer.position(), buffer.capacity() - buffer.position());
      if (n < 0) {
        buffer.flip();
        throw new EOFException("the model file ends early, at byte " + (position + buffer.remaining())
            + ": it is truncated or not a fastText model");
      }
      buffer.position(buffer.position() + n);
    }
    buffer.flip();
  }

  int readInt() throws IOException {
    need(4);
    position += 4;
    return buffer.getInt();
  }

  long readLong() throws IOException {
    need(8);
    position += 8;
    return buffer.getLong();
  }

  double readDouble() throws IOException {
    need(8);
    position += 8;
    return buffer.getDouble();
  }

  float readFloat() throws IOException {
    need(4);
    position += 4;
    return buffer.getFloat();
  }

  byte readByte() throws IOException {
    need(1);
    position += 1;
    return buffer.get();
  }

  boolean readBool() throws IOException {
    return readByte() != 0;
  }

  /** The bytes up to a zero byte, which is consumed and not returned (a dictionary entry's word). */
  byte[] readZeroTerminated() throws IOException {
    ByteArrayOutputStream word = new ByteArrayOutputStream(16);
    for (byte b = readByte(); b != 0; b = readByte()) {
      word.write(b);
    }
    return word.toByteArray();
  }

  void readFloats(float[] into, int offset, int count) throws IOException {
    int done = 0;
    while (done < count) {
      need(Math.min(4, (count - done) * 4));
      int n = Math.min(buffer.remaining() / 4, count - done);
      buffer.asFloatBuffer().get(into, offset + done, n);
      buffer.position(buffer.position() + n * 4);
      position += n * 4L;
      done += n;
    }
  }

  void readBytes(byte[] into) throws IOException {
    int done = 0;
    while (done < into.length) {
      need(1);
      int n = Math.min(buffer.remaining(), into.length - done);
      buffer.get(into, done, n);
      position += n;
      done += n;
    }
  }
}
