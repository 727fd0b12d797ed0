package dev.kiln.activities.hf;

/**
 * A Hugging Face model directory that Kiln cannot import as it stands: a malformed weights file, a config it does
 * not understand, a missing file or a weight whose shape contradicts the config. It is bad input, not a Kiln fault,
 * so it is an {@link IllegalArgumentException}; each message names the file (and tensor or field) and says how to
 * fix it. The subclasses let a caller tell the kinds apart without parsing messages.
 */
public class HfImportException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public HfImportException(String message) {
    super(message);
  }

  public HfImportException(String message, Throwable cause) {
    super(message, cause);
  }
}
