package dev.kiln.activities.hf;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A download that failed for a reason that may pass: the connection kept failing, the Hub kept answering 5xx or
 * 429 past the retry budget, or the bytes received did not match the size or hash the Hub announced (the partial
 * file is then deleted, so a retry starts clean). Unlike {@link HfHubException}, trying again later is the fix.
 */
public final class HfHubTransferException extends UncheckedIOException {
  private static final long serialVersionUID = 1L;

  public HfHubTransferException(String message, IOException cause) {
    super(message, cause);
  }

  public HfHubTransferException(String message) {
    super(message, new IOException(message));
  }
}
