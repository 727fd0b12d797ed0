package dev.kiln.activities.hf;

/**
 * The weights do not fit the config: a parameter the architecture needs is absent, or stored with another shape.
 * Usually config.json belongs to another model than the weights, or was edited by hand.
 */
public final class HfWeightsMismatchException extends HfImportException {
  private static final long serialVersionUID = 1L;
  private final String tensor;

  public HfWeightsMismatchException(String tensor, String message) {
    super(message);
    this.tensor = tensor;
  }

  /** The parameter name, as transformers names it. */
  public String tensor() {
    return tensor;
  }
}
