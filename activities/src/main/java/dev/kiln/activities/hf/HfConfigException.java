package dev.kiln.activities.hf;

/** A config.json Kiln cannot turn into a model: unsupported model_type, a field of the wrong type or value. */
public final class HfConfigException extends HfImportException {
  private static final long serialVersionUID = 1L;

  public HfConfigException(String message) {
    super(message);
  }

  public HfConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
