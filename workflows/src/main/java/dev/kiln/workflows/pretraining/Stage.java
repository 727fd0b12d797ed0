package dev.kiln.workflows.pretraining;

/** The life cycle's stages, in order. */
public enum Stage {
  SCOPE("scope"),
  SELECT_MODEL("select-model"),
  CURATE("curate"),
  PRETRAIN("pretrain"),
  EVALUATE("evaluate"),
  DONE("done");

  private final String label;

  Stage(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
