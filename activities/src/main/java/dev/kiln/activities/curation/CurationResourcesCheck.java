package dev.kiln.activities.curation;

import dev.kiln.activities.curation.quality.QualityModel;
import dev.kiln.activities.hub.ModelHub;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.workflows.spec.CurationStepSpec;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.spec.SpecProblem;
import java.util.ArrayList;
import java.util.List;

/**
 * Before a run starts: are the blocklists, quality classifiers and hub models its curation profile names, and the
 * language-identification model of {@code curation.languageModel}, in the bucket? Only existence is checked here
 * (cheap); a shard that loads a damaged one still fails naming it.
 */
public final class CurationResourcesCheck {

  private CurationResourcesCheck() {}

  public static List<SpecProblem> problems(RunSpec spec, ObjectStore store) {
    List<SpecProblem> problems = new ArrayList<>();
    String languageModel = spec.curation() == null ? null : spec.curation().languageModel();
    if (languageModel != null && !store.exists(languageModel)) {
      problems.add(new SpecProblem("curation.languageModel", "is '" + languageModel + "', but it is not in bucket "
          + store.bucket(), "upload the fastText model there (lid.176.ftz: infra/fetch-lid-model.sh fetches it, then"
          + " put it at that key; docs/language-id.md), or remove curation.languageModel for the built-in detector"));
    }
    if (spec.curation() == null || spec.curation().rules() == null || spec.curation().rules().steps() == null) {
      return problems;
    }
    List<CurationStepSpec> steps = spec.curation().rules().steps();
    for (int i = 0; i < steps.size(); i++) {
      String at = "curation.profile.steps[" + i + "].";
      if (steps.get(i) instanceof CurationStepSpec.UrlBlocklist u) {
        String list = u.list().endsWith("/") ? u.list() : u.list() + "/";
        for (String category : u.categories()) {
          if (!store.exists(list + category + "/domains") && !store.exists(list + category + "/urls")) {
            problems.add(new SpecProblem(at + "categories", "names '" + category + "', but neither " + list + category
                + "/domains nor " + list + category + "/urls is in bucket " + store.bucket(),
                "upload the UT1 category directory under " + list + " (docs/quality-filter.md), or remove the category"));
          }
        }
      } else if (steps.get(i) instanceof CurationStepSpec.QualityClassifier q) {
        String prefix = QualityModel.prefix(q.model());
        if (!store.exists(prefix + QualityModel.INFO) || !store.exists(prefix + QualityModel.WEIGHTS)) {
          problems.add(new SpecProblem(at + "model", "is '" + q.model() + "', but " + prefix + QualityModel.INFO + " and "
              + prefix + QualityModel.WEIGHTS + " are not both in bucket " + store.bucket(),
              "train one with kiln quality train --out " + prefix + " (docs/quality-filter.md), or correct the prefix"));
        }
      } else if (steps.get(i) instanceof CurationStepSpec.Perplexity p) {
        if (!store.exists(ModelHub.cardKey(p.model()))) {
          problems.add(new SpecProblem(at + "model", "is '" + p.model() + "', but the hub has no "
              + ModelHub.cardKey(p.model()) + " in bucket " + store.bucket(),
              "name a causal model of the hub (a finished decoder run publishes one), or import one (model.hubModel)"));
        }
      }
    }
    return problems;
  }
}
