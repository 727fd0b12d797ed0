package dev.kiln.workflows;

/** The two task queues. On a CPU-only machine one worker polls both. */
public final class TaskQueues {
  /** Scope, hub, curation, tokenization, evaluation. */
  public static final String CPU = "cpu";
  /** Training segments (and anything else that wants an accelerator). */
  public static final String GPU = "gpu";

  private TaskQueues() {}
}
