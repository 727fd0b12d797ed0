package dev.kiln.activities.hf;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * The bytes of one weights file, read by range. Safetensors is laid out so that a reader needs the header and then
 * only the ranges of the tensors it wants: a local file is memory-mapped (the page cache holds it once, however many
 * tensors are read), bytes already in memory are sliced, and a remote object can later be served by ranged reads.
 * Every buffer returned is little-endian and read-only.
 */
public interface RandomAccessBytes extends Closeable {

  /** Total length in bytes. */
  long size();

  /**
   * {@code length} bytes from {@code offset}; the caller has checked that the range lies within {@link #size()}.
   */
  ByteBuffer slice(long offset, int length) throws IOException;

  @Override
  default void close() throws IOException {}

  /** Bytes already in memory (a test, or a file fetched whole); the array is not copied. */
  static RandomAccessBytes of(byte[] bytes) {
    return of(ByteBuffer.wrap(bytes));
  }

  /** The remaining bytes of {@code buffer} (its position to its limit); the buffer is not copied. */
  static RandomAccessBytes of(ByteBuffer buffer) {
    ByteBuffer whole = buffer.slice().asReadOnlyBuffer();
    return new RandomAccessBytes() {
      @Override
      public long size() {
        return whole.capacity();
      }

      @Override
      public ByteBuffer slice(long offset, int length) {
        return whole.slice(Math.toIntExact(offset), length).order(ByteOrder.LITTLE_ENDIAN);
      }
    };
  }

  /**
   * A local file, memory-mapped: read once by the OS however often its tensors are asked for. A file up to 2 GiB
   * is mapped whole; a larger one (safetensors shards are often 5 GB) is mapped one requested range at a time, as a
   * mapping is limited to 2 GiB.
   */
  static RandomAccessBytes map(Path file) throws IOException {
    FileChannel channel = FileChannel.open(Objects.requireNonNull(file), StandardOpenOption.READ);
    try {
      long size = channel.size();
      ByteBuffer whole =
          size <= Integer.MAX_VALUE ? channel.map(FileChannel.MapMode.READ_ONLY, 0, size).asReadOnlyBuffer() : null;
      return new RandomAccessBytes() {
        @Override
        public long size() {
          return size;
        }

        @Override
        public ByteBuffer slice(long offset, int length) throws IOException {
          ByteBuffer range =
              whole != null
                  ? whole.slice(Math.toIntExact(offset), length)
                  : channel.map(FileChannel.MapMode.READ_ONLY, offset, length).asReadOnlyBuffer();
          return range.order(ByteOrder.LITTLE_ENDIAN);
        }

        @Override
        public void close() throws IOException {
          channel.close(); // mapped buffers stay valid after this; the mapping goes with the last of them
        }
      };
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }
}
