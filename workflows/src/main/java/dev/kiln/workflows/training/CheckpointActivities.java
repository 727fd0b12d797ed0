package dev.kiln.workflows.training;

import io.temporal.activity.ActivityInterface;
import java.util.List;

/**
 * The training workflow's side of the checkpoint protocol, run as a local activity of the workflow worker, so
 * that a checkpoint is re-read by another process than the training worker that wrote it.
 */
@ActivityInterface
public interface CheckpointActivities {

  /**
   * Re-reads each candidate (newest first) against its manifest: sizes, SHA-256 and the config hash. Then, if
   * any verified, deletes the checkpoints that {@link Retention} no longer keeps and the leftovers of abandoned
   * attempts and generations.
   */
  CommitResult commit(CommitRequest request);

  /** @param legacyConfigHash also accepted: the hash checkpoints written by older Kiln carry, or null */
  record CommitRequest(
      String runId,
      String configHash,
      List<CheckpointRef> candidates,
      List<CheckpointRef> retained,
      Retention retention,
      List<String> pinned,
      int generation,
      String legacyConfigHash) {
    public CommitRequest(String runId, String configHash, List<CheckpointRef> candidates, List<CheckpointRef> retained,
        Retention retention, List<String> pinned, int generation) {
      this(runId, configHash, candidates, retained, retention, pinned, generation, null);
    }
  }

  /**
   * @param verified the candidates that passed, oldest first
   * @param rejected why each other candidate failed ("prefix: reason")
   * @param deleted checkpoint prefixes removed from storage
   */
  record CommitResult(List<CheckpointRef> verified, List<String> rejected, List<String> deleted) {}
}
