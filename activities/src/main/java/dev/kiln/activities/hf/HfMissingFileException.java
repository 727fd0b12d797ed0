package dev.kiln.activities.hf;

/**
 * A file the model directory needs is not there: config.json, the weights, a shard the index names, or
 * tokenizer.json. {@link #fileName()} is the missing file's name within the directory.
 */
public final class HfMissingFileException extends HfImportException {
  private static final long serialVersionUID = 1L;
  private final String fileName;

  public HfMissingFileException(String fileName, String message) {
    super(message);
    this.fileName = fileName;
  }

  public String fileName() {
    return fileName;
  }
}
