package dev.kiln.activities.training;

import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.workflows.training.CheckpointActivities;
import dev.kiln.workflows.training.CheckpointRef;
import io.temporal.activity.Activity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verification and retention for the training workflow (see {@link CheckpointActivities}). Listing storage is
 * used here only to find garbage to delete, never to decide what to resume from.
 */
public final class CheckpointActivitiesImpl implements CheckpointActivities {
  private static final Logger log = LoggerFactory.getLogger(CheckpointActivitiesImpl.class);

  private final CheckpointStore checkpoints;
  private final ObjectStore store;

  public CheckpointActivitiesImpl(ObjectStore store) {
    this.store = store;
    this.checkpoints = new CheckpointStore(store);
  }

  @Override
  public CommitResult commit(CommitRequest request) {
    List<CheckpointRef> verified = new ArrayList<>();
    List<String> rejected = new ArrayList<>();
    for (CheckpointRef candidate : request.candidates()) {
      try {
        checkpoints.read(candidate, request.configHash(), request.legacyConfigHash());
        verified.add(candidate);
      } catch (CheckpointStore.TornCheckpointException e) {
        rejected.add(candidate.prefix() + ": " + e.getMessage());
      }
      heartbeat();
    }
    verified.sort(Comparator.comparingInt(CheckpointRef::step));
    if (verified.isEmpty()) {
      return new CommitResult(verified, rejected, List.of());
    }
    Set<String> keep = request.retention().afterCommit(request.retained(), verified, request.pinned()).stream()
        .map(CheckpointRef::prefix).collect(Collectors.toSet());
    int newest = verified.get(verified.size() - 1).step();
    List<String> deleted = new ArrayList<>();
    for (String prefix : checkpointPrefixes(request.runId())) {
      if (keep.contains(prefix)) {
        continue;
      }
      int[] generationAndStep = CheckpointStore.parsePrefix(prefix).orElseThrow();
      boolean superseded = generationAndStep[1] < newest;
      boolean abandoned = generationAndStep[0] < request.generation();
      if (superseded || abandoned) {
        checkpoints.delete(prefix);
        deleted.add(prefix);
        heartbeat();
      }
    }
    if (!deleted.isEmpty()) {
      log.info("run {}: verified steps {}; retention deleted {}", request.runId(),
          verified.stream().map(CheckpointRef::step).toList(), deleted);
    }
    return new CommitResult(verified, rejected, deleted);
  }

  /** Every checkpoint directory of the run in storage, committed or not. */
  private Set<String> checkpointPrefixes(String runId) {
    Set<String> prefixes = new TreeSet<>();
    for (ObjectStore.StoredObject object : store.list(CheckpointStore.checkpointsOf(runId))) {
      String key = object.key();
      int stepEnd = key.indexOf('/', key.indexOf("/step-") + 1);
      if (stepEnd > 0 && CheckpointStore.parsePrefix(key.substring(0, stepEnd + 1)).isPresent()) {
        prefixes.add(key.substring(0, stepEnd + 1));
      }
    }
    return prefixes;
  }

  private static void heartbeat() {
    try {
      Activity.getExecutionContext().heartbeat(null);
    } catch (IllegalStateException notInAnActivity) {
      // called directly (tests): nothing to report to
    }
  }
}
