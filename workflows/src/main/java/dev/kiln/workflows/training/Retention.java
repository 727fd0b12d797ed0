package dev.kiln.workflows.training;

import java.util.ArrayList;
import java.util.List;

/**
 * Which committed checkpoints stay in storage: the newest {@code keepLast}, plus every {@code keepEvery}-th
 * (its step a multiple of keepEvery x checkpointEvery). The newest is always kept, so a checkpoint is only ever
 * deleted after a newer one was committed. The workflow and the activity that deletes apply the same function.
 */
public record Retention(int keepLast, int keepEvery, int checkpointEvery) {

  /** The refs of {@code committed} (oldest first) to keep, oldest first. */
  public List<CheckpointRef> retain(List<CheckpointRef> committed) {
    return retain(committed, List.of());
  }

  /** As {@link #retain(List)}, also keeping the checkpoints at {@code pinned} prefixes (an accepted rollback's target). */
  public List<CheckpointRef> retain(List<CheckpointRef> committed, List<String> pinned) {
    List<CheckpointRef> kept = new ArrayList<>();
    int firstOfLast = Math.max(0, committed.size() - Math.max(1, keepLast));
    for (int i = 0; i < committed.size(); i++) {
      CheckpointRef ref = committed.get(i);
      boolean milestone = keepEvery > 0 && ref.step() > 0 && ref.step() % ((long) keepEvery * checkpointEvery) == 0;
      if (i >= firstOfLast || milestone || pinned.contains(ref.prefix())) {
        kept.add(ref);
      }
    }
    return kept;
  }

  /**
   * What stays stored after a commit: this retention applied to the checkpoints kept so far plus the newly
   * verified ones, in step order. The workflow and the deleting activity both call this, so they agree.
   */
  public List<CheckpointRef> afterCommit(List<CheckpointRef> retained, List<CheckpointRef> verified, List<String> pinned) {
    List<CheckpointRef> all = new ArrayList<>(retained);
    verified.stream().filter(v -> !all.contains(v)).forEach(all::add);
    all.sort(java.util.Comparator.comparingInt(CheckpointRef::step));
    return retain(all, pinned);
  }
}
