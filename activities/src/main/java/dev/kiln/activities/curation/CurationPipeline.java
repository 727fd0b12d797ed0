package dev.kiln.activities.curation;

import dev.kiln.activities.curation.StepAccounting.CountedDocument;
import dev.kiln.workflows.curation.StepStats;
import dev.kiln.workflows.spec.RunSpec.CurationSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * The per-shard curation pipeline: decode, extract text, filter by language, filter by Gopher quality.
 * Deterministic: the same documents in the same order give the same kept documents and counts (time
 * aside). Global steps such as {@link ExactDeduplicator} run after all shards, outside this class.
 */
public final class CurationPipeline {

  /** Kept documents in input order, and the statistics of every step in pipeline order. */
  public record ShardOutcome(List<Document> kept, List<StepStats> steps) {}

  private final ToIntFunction<String> tokenCounter;
  private final TextDecoder decoder = new TextDecoder();
  private final List<CurationStep> steps;

  public CurationPipeline(CurationSpec spec, ToIntFunction<String> tokenCounter) {
    this.tokenCounter = tokenCounter;
    this.steps = List.of(
        new HtmlTextExtractor(),
        new LanguageFilter(spec.languages(), spec.minLanguageConfidence()),
        new GopherQualityFilter(spec));
  }

  public ShardOutcome run(Iterable<RawDocument> documents) {
    StepAccounting decoding = new StepAccounting(decoder.name(), tokenCounter);
    List<StepAccounting> accounting = new ArrayList<>();
    steps.forEach(step -> accounting.add(new StepAccounting(step.name(), tokenCounter)));
    List<Document> kept = new ArrayList<>();
    for (RawDocument raw : documents) {
      Optional<CountedDocument> current = decoding.decode(decoder, raw);
      for (int i = 0; i < steps.size() && current.isPresent(); i++) {
        current = accounting.get(i).apply(steps.get(i), current.get());
      }
      current.ifPresent(survivor -> kept.add(survivor.document()));
    }
    List<StepStats> stats = new ArrayList<>();
    stats.add(decoding.stats());
    accounting.forEach(step -> stats.add(step.stats()));
    return new ShardOutcome(kept, stats);
  }
}
