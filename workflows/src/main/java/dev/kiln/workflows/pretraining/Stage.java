package dev.kiln.workflows.pretraining;

/** The life cycle's stages, in order. */
public enum Stage {
  /** Runs with data.onlyNew only: which raw objects are new to the run's lineage. */
  SELECT_RAW("select-raw"),
  SCOPE("scope"),
  SELECT_MODEL("select-model"),
  CURATE("curate"),
  PRETRAIN("pretrain"),
  EVALUATE("evaluate"),
  DONE("done"),
  /** Ended at once: no new raw data arrived (data.onlyNew with whenNothingNew: skip). */
  SKIPPED("skipped");

  private final String label;

  Stage(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
