package dev.kiln.activities.hf;

/** A safetensors file (or shard index) whose bytes do not follow the format: the file is damaged or truncated. */
public final class SafetensorsFormatException extends HfImportException {
  private static final long serialVersionUID = 1L;

  public SafetensorsFormatException(String message) {
    super(message);
  }

  public SafetensorsFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
