package dev.kiln.activities.hf;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a model directory's files come from: a local directory today, a downloaded Hub snapshot or an S3 prefix
 * later. The importer asks only for files by their name within the directory (e.g. {@code config.json},
 * {@code model-00001-of-00002.safetensors}), so a new place to read from is one implementation of this interface.
 */
public interface HfFileSource {

  /** How errors name this place, e.g. the directory's path or {@code s3://bucket/prefix}. */
  String describe();

  boolean exists(String name) throws IOException;

  /**
   * The whole of a small file (config, index, tokenizer, README). A file larger than {@code maxBytes} is refused:
   * these files are kilobytes, and a huge one is the wrong file.
   */
  byte[] readAll(String name, long maxBytes) throws IOException;

  /** A weights file, read by range; the caller closes it. */
  RandomAccessBytes open(String name) throws IOException;

  /** The files of a local directory (a checkout, or a snapshot already downloaded). */
  static HfFileSource directory(Path directory) {
    return new LocalHfFiles(directory);
  }
}
