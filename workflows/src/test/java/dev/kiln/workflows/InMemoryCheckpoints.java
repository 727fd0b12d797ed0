package dev.kiln.workflows;

import dev.kiln.workflows.training.CheckpointActivities;
import dev.kiln.workflows.training.CheckpointRef;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checkpoint side of the protocol over a set of prefixes instead of S3: a candidate verifies unless it was
 * marked corrupt; retention deletes what {@link dev.kiln.workflows.training.Retention} drops.
 */
public final class InMemoryCheckpoints implements CheckpointActivities {
  public final Set<String> corrupt = Collections.synchronizedSet(new HashSet<>());
  public final Set<String> stored = Collections.synchronizedSet(new HashSet<>());
  public final List<String> deleted = Collections.synchronizedList(new ArrayList<>());

  @Override
  public CommitResult commit(CommitRequest request) {
    List<CheckpointRef> verified = new ArrayList<>();
    List<String> rejected = new ArrayList<>();
    for (CheckpointRef candidate : request.candidates()) {
      if (corrupt.contains(candidate.prefix())) {
        rejected.add(candidate.prefix() + ": model.safetensors does not match its manifest");
      } else {
        verified.add(candidate);
        stored.add(candidate.prefix());
      }
    }
    verified.sort(Comparator.comparingInt(CheckpointRef::step));
    List<String> gone = new ArrayList<>();
    if (!verified.isEmpty()) {
      List<CheckpointRef> keep = request.retention().afterCommit(request.retained(), verified, request.pinned());
      List<CheckpointRef> all = new ArrayList<>(request.retained());
      all.addAll(verified);
      for (CheckpointRef ref : all) {
        if (!keep.contains(ref) && stored.remove(ref.prefix())) {
          gone.add(ref.prefix());
        }
      }
      deleted.addAll(gone);
    }
    return new CommitResult(verified, rejected, gone);
  }
}
