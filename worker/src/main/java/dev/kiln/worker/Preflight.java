package dev.kiln.worker;

import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.workflows.spec.InvalidRunSpecException;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.spec.SpecProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Checks that need the storage, done before a workflow starts: do the spec's raw prefixes hold data? */
public final class Preflight {
  private Preflight() {}

  public static void checkData(RunSpec spec, String source, ObjectStore store) {
    List<SpecProblem> problems = new ArrayList<>();
    List<String> prefixes = spec.data().rawPrefixes();
    for (int i = 0; i < prefixes.size(); i++) {
      String prefix = prefixes.get(i);
      if (store.list(prefix).isEmpty()) {
        problems.add(new SpecProblem(
            "data.rawPrefixes[" + i + "]",
            "'" + prefix + "' holds no objects in bucket " + store.bucket(),
            "use one of " + datasets(store) + ", or upload the data first (kiln seed)"));
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidRunSpecException(source, problems);
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
