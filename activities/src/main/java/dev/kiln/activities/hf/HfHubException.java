package dev.kiln.activities.hf;

/**
 * A Hugging Face download that cannot succeed by trying again: the model id or revision does not exist, the
 * repository needs a token or accepted terms, a file the model needs is not on the Hub, or the Hub may not be
 * contacted and the cache lacks the model. It extends {@link IllegalArgumentException} because the fix is always
 * in what the user asked for or configured, which is how Kiln tells such failures from transient ones. The
 * message names the model id and the fix.
 */
public final class HfHubException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public HfHubException(String message) {
    super(message);
  }
}
