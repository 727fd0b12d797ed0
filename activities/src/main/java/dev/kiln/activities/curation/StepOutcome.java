package dev.kiln.activities.curation;

/** What a curation step says about one document: keep it (possibly transformed), or drop it with a reason. */
public sealed interface StepOutcome {

  record Keep(Document document) implements StepOutcome {}

  record Drop(String reason) implements StepOutcome {}

  static StepOutcome keep(Document document) {
    return new Keep(document);
  }

  static StepOutcome drop(String reason) {
    return new Drop(reason);
  }
}
