package dev.kiln.activities.curation;

/**
 * One step of the curation pipeline, DataTrove style: looks at one document and keeps it or drops it with a
 * reason. Steps hold no per-document state, so one instance may serve several threads; {@link StepAccounting}
 * does the bookkeeping.
 */
public interface CurationStep {

  /** Name under which the step's {@link dev.kiln.workflows.curation.StepStats} are reported. */
  String name();

  StepOutcome apply(Document doc);
}
