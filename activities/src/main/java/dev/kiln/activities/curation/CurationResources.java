package dev.kiln.activities.curation;

import dev.kiln.activities.curation.fasttext.FastTextModel;
import dev.kiln.activities.curation.quality.QualityModel;
import dev.kiln.activities.curation.web.UrlBlocklist;
import dev.kiln.workflows.spec.CurationStepSpec;

/**
 * What some curation steps need besides the profile: a URL blocklist, a trained quality classifier, a reference
 * language model, a fastText language-identification model. {@link StoreCurationResources} reads them from the bucket and keeps them per worker.
 */
public interface CurationResources {

  UrlBlocklist urlBlocklist(CurationStepSpec.UrlBlocklist spec);

  /** @param key the S3 prefix {@code kiln quality train} wrote the model under */
  QualityModel qualityModel(String key);

  /** @param hubId a causal language model of Kiln's hub */
  PerplexityScorer perplexityScorer(String hubId);

  /** @param key the key of a fastText model file ({@code curation.languageModel}) in the run's bucket */
  FastTextModel languageModel(String key);

  /** For pipelines without storage (tests, benchmarks of rule steps): any step that needs a resource fails. */
  CurationResources NONE = new CurationResources() {
    @Override
    public UrlBlocklist urlBlocklist(CurationStepSpec.UrlBlocklist spec) {
      throw missing("urlBlocklist");
    }

    @Override
    public QualityModel qualityModel(String key) {
      throw missing("qualityClassifier");
    }

    @Override
    public PerplexityScorer perplexityScorer(String hubId) {
      throw missing("perplexity");
    }

    @Override
    public FastTextModel languageModel(String key) {
      throw missing("language (curation.languageModel)");
    }

    private IllegalStateException missing(String step) {
      return new IllegalStateException("the " + step + " step needs storage, but this pipeline was built without "
          + "resources: construct CurationPipeline with a CurationResources (StoreCurationResources)");
    }
  };
}
