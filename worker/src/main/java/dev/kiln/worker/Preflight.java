package dev.kiln.worker;

import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.workflows.ladder.LadderSpec;
import dev.kiln.workflows.spec.InvalidRunSpecException;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.spec.SpecProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Checks that need the storage, done before a workflow starts: do the spec's raw prefixes hold data, and are the
 * blocklists and models its curation steps name in the bucket?
 */
public final class Preflight {
  private Preflight() {}

  public static void checkData(RunSpec spec, String source, ObjectStore store) {
    try (SlowWaitNotice notice = SlowWaitNotice.after(TemporalConnection.PATIENCE_BEFORE_PROGRESS,
        "S3 at " + store.settings().endpointName() + " (bucket " + store.bucket() + ", up to "
            + store.settings().timeouts().bound().toSeconds() + " s)", System.err)) {
      check(spec, source, store);
    }
  }

  private static void check(RunSpec spec, String source, ObjectStore store) {
    List<SpecProblem> problems = new ArrayList<>();
    List<String> prefixes = spec.data().rawPrefixes();
    TreeSet<String> datasets = null;
    for (int i = 0; i < prefixes.size(); i++) {
      String prefix = prefixes.get(i);
      if (store.list(prefix).isEmpty()) {
        datasets = datasets == null ? datasets(store) : datasets;
        problems.add(new SpecProblem(
            "data.rawPrefixes[" + i + "]",
            "'" + prefix + "' holds no objects in bucket " + store.bucket(),
            datasets.isEmpty() ? "the bucket holds no raw data: upload it first (kiln seed), or pass --bucket to the one that has it"
                : "use one of " + datasets + ", or upload the data first (kiln seed)"));
      }
    }
    problems.addAll(dev.kiln.activities.curation.CurationResourcesCheck.problems(spec, store));
    String ladder = spec.budget() == null ? null : spec.budget().ladder();
    if (ladder != null && !store.exists(LadderSpec.reportKey(ladder))) {
      problems.add(new SpecProblem("budget.ladder", "names ladder '" + ladder + "', which has no finished report in bucket "
              + store.bucket() + " (" + LadderSpec.reportKey(ladder) + ")",
          "name a finished ladder (kiln ladder status " + ladder + " says where it is), or remove budget.ladder to size"
              + " by tokensPerParameter"));
    }
    if (!problems.isEmpty()) {
      throw new InvalidRunSpecException(source, problems);
    }
  }

  /**
   * For a worker in this JVM (kiln run): does this machine have the GPUs that {@code training.device} names? A run
   * on a GPU it lacks would otherwise fail only when training starts, after curation.
   */
  public static void checkLocalDevices(RunSpec spec, String source) {
    try {
      dev.kiln.activities.training.Devices.parseAll(spec.training().device());
    } catch (IllegalArgumentException e) {
      String message = e.getMessage().replaceFirst("^training\\.device ", "");
      int fix = message.indexOf(". Fix: ");
      throw new InvalidRunSpecException(source, List.of(new SpecProblem("training.device",
          fix < 0 ? message : message.substring(0, fix),
          fix < 0 ? "set training.device to cpu, or run on a machine with those GPUs" : message.substring(fix + 7))));
    }
  }

  private static TreeSet<String> datasets(ObjectStore store) {
    TreeSet<String> names = new TreeSet<>();
    for (ObjectStore.StoredObject o : store.list("raw/")) {
      String rest = o.key().substring("raw/".length());
      int slash = rest.indexOf('/');
      names.add("raw/" + (slash < 0 ? rest : rest.substring(0, slash + 1)));
    }
    return names;
  }
}
