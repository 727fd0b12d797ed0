package dev.kiln.activities.hf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Exclusive use of one blob's {@code .incomplete} file, across threads of this JVM and across processes (other
 * workers, or Python's huggingface_hub, which locks the same {@code .locks/models--org--name/<etag>.lock}), so that
 * two downloads of one file never append to the same partial file.
 */
final class HfHubLock implements AutoCloseable {
  /** A file lock is held per JVM, not per thread, so threads queue on this first. */
  private static final ConcurrentHashMap<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

  private final ReentrantLock jvm;
  private final FileChannel channel;
  private final FileLock lock;

  private HfHubLock(ReentrantLock jvm, FileChannel channel, FileLock lock) {
    this.jvm = jvm;
    this.channel = channel;
    this.lock = lock;
  }

  static HfHubLock acquire(Path file) {
    ReentrantLock jvm = IN_JVM.computeIfAbsent(file.toAbsolutePath().normalize(), k -> new ReentrantLock());
    jvm.lock();
    FileChannel channel = null;
    try {
      Files.createDirectories(file.getParent());
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      return new HfHubLock(jvm, channel, channel.lock());
    } catch (IOException | RuntimeException e) {
      closeQuietly(channel);
      jvm.unlock();
      if (e instanceof IOException io) {
        throw new UncheckedIOException("cannot lock " + file, io);
      }
      throw (RuntimeException) e;
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException e) {
      // closing the channel releases it too
    } finally {
      closeQuietly(channel);
      jvm.unlock();
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        // nothing is written to a lock file
      }
    }
  }
}
