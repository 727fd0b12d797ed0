package dev.kiln.activities.curation;

import dev.kiln.workflows.curation.ScoreHistogram;
import dev.kiln.workflows.spec.CurationStepSpec;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * CCNet's perplexity filter: keeps documents a reference language model finds likely. With {@code maxPerplexity}
 * a document is kept when its perplexity is at most that; with {@code keepFraction} the shard's documents are scored
 * first and the threshold is the perplexity below which that fraction of the shard lies (so the fraction holds per
 * shard, not over the run). Drops with reason {@code perplexity:too-high}, or {@code perplexity:too-short} for a text
 * of fewer than 2 tokens. Records the histogram of log10 perplexity (20 bins over [0, 6], i.e. 1 to 10^6).
 */
public final class PerplexityFilter implements ScoringStep {

  public static final String NAME = "perplexity";
  public static final String TOO_HIGH = "perplexity:too-high";
  public static final String TOO_SHORT = "perplexity:too-short";
  static final int DEFAULT_MAX_TOKENS = 512;

  private final PerplexityScorer scorer;
  private final int maxTokens;
  private final double maxPerplexity;
  /** Scores computed while choosing a keepFraction threshold, by document instance, so none is scored twice. */
  private final Map<Document, Double> scored;
  private final ScoreRecorder recorder = new ScoreRecorder("log10 perplexity", 0, 6, ScoreRecorder.BINS);

  private PerplexityFilter(PerplexityScorer scorer, int maxTokens, double maxPerplexity, Map<Document, Double> scored) {
    this.scorer = scorer;
    this.maxTokens = maxTokens;
    this.maxPerplexity = maxPerplexity;
    this.scored = scored;
  }

  /** The step for one shard; with keepFraction it scores the shard's documents to find the threshold. */
  public static PerplexityFilter forShard(PerplexityScorer scorer, CurationStepSpec.Perplexity spec, List<Document> shard) {
    int maxTokens = spec.maxTokens() == null ? DEFAULT_MAX_TOKENS : spec.maxTokens();
    if (spec.maxPerplexity() != null) {
      return new PerplexityFilter(scorer, maxTokens, spec.maxPerplexity(), Map.of());
    }
    Map<Document, Double> scored = new IdentityHashMap<>();
    for (Document doc : shard) {
      scored.put(doc, scorer.perplexity(doc.text(), maxTokens));
    }
    double[] sorted = scored.values().stream().filter(p -> !p.isNaN()).mapToDouble(Double::doubleValue).sorted().toArray();
    int keep = (int) Math.floor(spec.keepFraction() * sorted.length);
    double threshold = keep == 0 ? Double.NEGATIVE_INFINITY : sorted[keep - 1];
    return new PerplexityFilter(scorer, maxTokens, threshold, scored);
  }

  public double maxPerplexity() {
    return maxPerplexity;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StepOutcome apply(Document doc) {
    Double known = scored.get(doc);
    double perplexity = known != null ? known : scorer.perplexity(doc.text(), maxTokens);
    if (Double.isNaN(perplexity)) {
      return StepOutcome.drop(TOO_SHORT);
    }
    recorder.record(Math.log10(perplexity));
    return perplexity <= maxPerplexity ? StepOutcome.keep(doc) : StepOutcome.drop(TOO_HIGH);
  }

  @Override
  public ScoreHistogram scores() {
    return recorder.histogram();
  }
}
