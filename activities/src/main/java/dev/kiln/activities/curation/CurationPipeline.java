package dev.kiln.activities.curation;

import dev.kiln.activities.curation.StepAccounting.CountedDocument;
import dev.kiln.activities.curation.ingest.IngestDrop;
import dev.kiln.workflows.curation.StepStats;
import dev.kiln.workflows.spec.CurationStepSpec;
import dev.kiln.workflows.spec.RunSpec.CurationSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * The per-shard curation pipeline: decode, extract text, identify the language, then the steps of the
 * curation profile in its order. Runs step by step over the whole shard, because a step such as
 * {@link BoilerplateLineRemover} learns from all of the shard's documents before it judges any. Deterministic:
 * the same documents in the same order give the same kept documents and counts (time aside). Global steps
 * (exact and near dedup) run after all shards, outside this class.
 */
public final class CurationPipeline {

  /** Kept documents in input order, the statistics of every step in pipeline order, and dropped examples. */
  public record ShardOutcome(List<Document> kept, List<StepStats> steps, List<DroppedExample> dropped) {}

  private final CurationSpec spec;
  private final Map<String, List<String>> badWordLists;
  private final ToIntFunction<String> tokenCounter;
  private final CurationResources resources;
  private final TextDecoder decoder = new TextDecoder();

  /** @param badWordLists LDNOOBW entries per language of the run, needed when the profile has a badWords step */
  public CurationPipeline(CurationSpec spec, Map<String, List<String>> badWordLists, ToIntFunction<String> tokenCounter) {
    this(spec, badWordLists, tokenCounter, CurationResources.NONE);
  }

  /**
   * @param resources blocklists and models of the steps that need them (urlBlocklist, qualityClassifier,
   *     perplexity, and the language step with curation.languageModel); loaded when the pipeline builds the step
   */
  public CurationPipeline(CurationSpec spec, Map<String, List<String>> badWordLists, ToIntFunction<String> tokenCounter,
      CurationResources resources) {
    this.spec = spec;
    this.badWordLists = badWordLists;
    this.tokenCounter = tokenCounter;
    this.resources = resources;
  }

  public ShardOutcome run(Iterable<RawDocument> documents) {
    return run(documents, List.of());
  }

  /**
   * Runs the pipeline over a shard whose reading also met records that could not be read ({@code unreadable}).
   * They are counted under the decode step, as documents in and dropped for their reasons ({@code warc:*},
   * {@code jsonl:*}, {@code parquet:*}), rather than under a read step of their own: a record that cannot be read is
   * one that cannot be turned into text, and this keeps the funnel's steps, and its first row (the raw documents
   * and tokens that retention is measured against), what they were for corpora of HTML and text files.
   */
  public ShardOutcome run(Iterable<RawDocument> documents, List<IngestDrop> unreadable) {
    List<StepStats> stats = new ArrayList<>();
    List<DroppedExample> dropped = new ArrayList<>();
    StepAccounting decoding = new StepAccounting(decoder.name(), tokenCounter);
    for (IngestDrop drop : unreadable) {
      decoding.unreadable(drop.id(), drop.url(), drop.reason(), drop.detail());
    }
    List<CountedDocument> current = new ArrayList<>();
    for (RawDocument raw : documents) {
      decoding.decode(decoder, raw).ifPresent(current::add);
    }
    stats.add(decoding.stats());
    dropped.addAll(decoding.examples());

    List<CurationStep> fixedSteps = List.of(
        new HtmlTextExtractor(), new LanguageFilter(spec.languages(), spec.minLanguageConfidence(),
            spec.languageModel() == null ? null : resources.languageModel(spec.languageModel())));
    for (CurationStep step : fixedSteps) {
      current = apply(step, current, stats, dropped);
    }
    for (CurationStepSpec stepSpec : spec.rules().steps()) {
      current = apply(build(stepSpec, current), current, stats, dropped);
    }
    return new ShardOutcome(current.stream().map(CountedDocument::document).toList(), stats, dropped);
  }

  private List<CountedDocument> apply(
      CurationStep step, List<CountedDocument> in, List<StepStats> stats, List<DroppedExample> dropped) {
    StepAccounting accounting = new StepAccounting(step.name(), tokenCounter);
    List<CountedDocument> out = new ArrayList<>(in.size());
    for (CountedDocument doc : in) {
      Optional<CountedDocument> kept = accounting.apply(step, doc);
      kept.ifPresent(out::add);
    }
    stats.add(step instanceof ScoringStep scoring ? accounting.stats().withScores(scoring.scores()) : accounting.stats());
    dropped.addAll(accounting.examples());
    return out;
  }

  private CurationStep build(CurationStepSpec stepSpec, List<CountedDocument> shard) {
    if (stepSpec instanceof CurationStepSpec.BoilerplateLines b) {
      return BoilerplateLineRemover.forShard(shard.stream().map(CountedDocument::document).toList(), b);
    } else if (stepSpec instanceof CurationStepSpec.GopherRepetition r) {
      return new GopherRepetitionFilter(r);
    } else if (stepSpec instanceof CurationStepSpec.GopherQuality q) {
      return new GopherQualityFilter(q);
    } else if (stepSpec instanceof CurationStepSpec.C4 c4) {
      return new C4QualityFilter(c4);
    } else if (stepSpec instanceof CurationStepSpec.FineWeb f) {
      return new FineWebQualityFilter(f);
    } else if (stepSpec instanceof CurationStepSpec.BadWords w) {
      return new BadWordsFilter(badWordLists, w.maxBadWordFraction());
    } else if (stepSpec instanceof CurationStepSpec.PiiScrubbing p) {
      return new PiiScrubber(p);
    } else if (stepSpec instanceof CurationStepSpec.UrlBlocklist u) {
      return new UrlBlocklistFilter(resources.urlBlocklist(u));
    } else if (stepSpec instanceof CurationStepSpec.QualityClassifier q) {
      return QualityClassifierFilter.of(resources.qualityModel(q.model()), q);
    } else if (stepSpec instanceof CurationStepSpec.Perplexity p) {
      return PerplexityFilter.forShard(resources.perplexityScorer(p.model()), p,
          shard.stream().map(CountedDocument::document).toList());
    }
    throw new IllegalArgumentException("no step implements " + stepSpec.getClass().getSimpleName());
  }
}
