package dev.kiln.workflows;

/** Application failure types that are never retried: retrying cannot fix them. */
public final class Failures {
  /** The RunSpec is malformed; the message names the file, field and fix. */
  public static final String INVALID_RUN_SPEC = "InvalidRunSpec";
  /** Curation kept nothing (or too little to train on); the message shows the funnel. */
  public static final String EMPTY_CURATION = "EmptyCuration";
  /** Input data that cannot be used as it is (missing prefix, unreadable manifest, ...). */
  public static final String BAD_DATA = "BadData";
  /** Training diverged (NaN or inf loss); the message names the step. */
  public static final String DIVERGED = "Diverged";
  /**
   * A committed checkpoint failed verification when a training segment loaded it (details: its prefix). The
   * training workflow drops it and resumes from the previous one; it is not retried as it is.
   */
  public static final String CORRUPT_CHECKPOINT = "CorruptCheckpoint";

  /**
   * No worker polls a task queue the run needs (the {@code gpu} queue, for a GPU {@code training.device}); the
   * message says how long the run waited and how to start one.
   */
  public static final String NO_WORKER = "NoWorker";

  private Failures() {}
}
