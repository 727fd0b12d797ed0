package dev.kiln.activities.curation;

import dev.kiln.workflows.spec.CurationStepSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Removes lines that recur on many pages of one shard: navigation, banners and footers that a site repeats on
 * every page and that markup-based extraction missed. The shard is the unit because pages of one site sit
 * together in a crawl shard; a line is boilerplate when enough of the shard's documents contain it. Built
 * per shard by {@link #forShard}, after which it is immutable.
 */
public final class BoilerplateLineRemover implements CurationStep {

  public static final String NAME = "boilerplate-lines";
  public static final String NO_TEXT = "boilerplate:no-text";

  private final Set<String> boilerplate;

  private BoilerplateLineRemover(Set<String> boilerplate) {
    this.boilerplate = boilerplate;
  }

  /** Counts in how many of the shard's documents each line occurs, and keeps those above both thresholds. */
  public static BoilerplateLineRemover forShard(List<Document> shard, CurationStepSpec.BoilerplateLines spec) {
    Map<String, Integer> documentsWithLine = new HashMap<>();
    for (Document doc : shard) {
      Set<String> lines = new HashSet<>();
      for (String line : doc.text().split("\n")) {
        String stripped = line.strip();
        if (!stripped.isEmpty()) {
          lines.add(stripped);
        }
      }
      lines.forEach(line -> documentsWithLine.merge(line, 1, Integer::sum));
    }
    double threshold = Math.max(spec.minDocuments(), spec.minDocumentFraction() * shard.size());
    Set<String> boilerplate = new HashSet<>();
    documentsWithLine.forEach((line, documents) -> {
      if (documents >= threshold) {
        boilerplate.add(line);
      }
    });
    return new BoilerplateLineRemover(boilerplate);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StepOutcome apply(Document doc) {
    if (boilerplate.isEmpty()) {
      return StepOutcome.keep(doc);
    }
    List<String> kept = new ArrayList<>();
    boolean removed = false;
    for (String line : doc.text().split("\n", -1)) {
      if (boilerplate.contains(line.strip())) {
        removed = true;
      } else {
        kept.add(line);
      }
    }
    if (!removed) {
      return StepOutcome.keep(doc);
    }
    String text = String.join("\n", kept).strip().replaceAll("\n{3,}", "\n\n");
    return text.isEmpty() ? StepOutcome.drop(NO_TEXT) : StepOutcome.keep(doc.withText(text));
  }
}
