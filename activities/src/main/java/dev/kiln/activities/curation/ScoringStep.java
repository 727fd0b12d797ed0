package dev.kiln.activities.curation;

import dev.kiln.workflows.curation.ScoreHistogram;

/** A step that scores every document it sees; the histogram of its scores goes into the step's stats and report. */
public interface ScoringStep extends CurationStep {

  /** The scores of the documents seen so far. */
  ScoreHistogram scores();
}
