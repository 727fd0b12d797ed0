package dev.kiln.worker.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One home, one owner: the process that serves a Kiln home (its S3 directory and Temporal database) holds an
 * exclusive lock on {@code <home>/lock}, whose text names it. The operating system releases the lock when the
 * process dies, however it dies, so a crashed owner never blocks the next one.
 */
public final class HomeLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private HomeLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Thrown when another live process serves the home; the message names it and the fix. */
  public static final class HomeInUseException extends IllegalArgumentException {
    public HomeInUseException(String message) {
      super(message);
    }
  }

  /**
   * Takes the home's lock for {@code command} (e.g. "kiln run configs/tiny-gpt.yaml").
   *
   * @throws HomeInUseException if another process holds it
   */
  public static HomeLock acquire(Path home, String command) {
    Path file = home.resolve("lock");
    try {
      Files.createDirectories(home);
      FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // this JVM holds it already
      }
      if (lock == null) {
        String holder = readHolder(channel);
        channel.close();
        throw new HomeInUseException("home " + home + " is in use by " + (holder.isBlank() ? "another kiln process" : holder)
            + ". Fix: wait for it to finish or stop it, or give this command another --home");
      }
      String holder = "pid " + ProcessHandle.current().pid() + " (" + command + ", since "
          + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ")";
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(holder.getBytes(StandardCharsets.UTF_8)), 0);
      channel.force(false);
      return new HomeLock(channel, lock);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock home " + home + " (" + file + "): " + e.getMessage(), e);
    }
  }

  private static String readHolder(FileChannel channel) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(512);
    channel.read(buffer, 0);
    return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).strip();
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // the lock dies with the channel, and with the process
    }
  }
}
