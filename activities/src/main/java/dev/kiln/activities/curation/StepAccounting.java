package dev.kiln.activities.curation;

import dev.kiln.workflows.curation.StepStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/**
 * Bookkeeping shared by every step: documents and tokens in and kept, drops per reason, time spent in the
 * step. Token counts travel with the document ({@link CountedDocument}) so that a text the step did not
 * change is not tokenized again. One instance per shard run; not thread-safe.
 */
public final class StepAccounting {

  /** A document with the number of tokens of its text. */
  public record CountedDocument(Document document, int tokens) {}

  /** Dropped documents kept per reason as examples for the report. */
  static final int EXAMPLES_PER_REASON = 3;

  private final String step;
  private final ToIntFunction<String> tokenCounter;
  private final Map<String, Long> droppedByReason = new TreeMap<>();
  private final List<DroppedExample> examples = new ArrayList<>();
  private long documentsIn;
  private long documentsKept;
  private long tokensIn;
  private long tokensKept;
  private long nanos;

  public StepAccounting(String step, ToIntFunction<String> tokenCounter) {
    this.step = step;
    this.tokenCounter = tokenCounter;
  }

  public Optional<CountedDocument> apply(CurationStep curationStep, CountedDocument in) {
    long start = System.nanoTime();
    StepOutcome outcome = curationStep.apply(in.document());
    nanos += System.nanoTime() - start;
    return account(in.document(), in.tokens(), outcome);
  }

  /**
   * Accounts for the decoding step, whose input is bytes: its tokens in are those of the decoded text, and
   * a document that cannot be decoded has no text and so no tokens.
   */
  public Optional<CountedDocument> decode(TextDecoder decoder, RawDocument raw) {
    long start = System.nanoTime();
    StepOutcome outcome = decoder.decode(raw);
    nanos += System.nanoTime() - start;
    if (outcome instanceof StepOutcome.Keep keep) {
      return account(keep.document(), tokenCounter.applyAsInt(keep.document().text()), outcome);
    }
    return account(new Document(raw.id(), null, raw.url()), 0, outcome);
  }

  /**
   * Accounts for a record that could not be read into a document at all (a broken WARC record, a line that is not
   * JSON): one document in, no tokens, dropped for {@code reason}; the example's excerpt says what was wrong.
   */
  public void unreadable(String id, String url, String reason, String detail) {
    account(new Document(id, detail, url), 0, StepOutcome.drop(reason));
  }

  private Optional<CountedDocument> account(Document in, int tokens, StepOutcome outcome) {
    documentsIn++;
    tokensIn += tokens;
    if (outcome instanceof StepOutcome.Drop drop) {
      long dropped = droppedByReason.merge(drop.reason(), 1L, Long::sum);
      if (dropped <= EXAMPLES_PER_REASON) {
        examples.add(DroppedExample.of(step, drop.reason(), in));
      }
      return Optional.empty();
    }
    Document kept = ((StepOutcome.Keep) outcome).document();
    int keptTokens = kept.text().equals(in.text()) ? tokens : tokenCounter.applyAsInt(kept.text());
    documentsKept++;
    tokensKept += keptTokens;
    return Optional.of(new CountedDocument(kept, keptTokens));
  }

  /** The first few documents dropped for each reason, in the order they were dropped. */
  public List<DroppedExample> examples() {
    return List.copyOf(examples);
  }

  public StepStats stats() {
    return new StepStats(step, documentsIn, documentsKept, tokensIn, tokensKept, new TreeMap<>(droppedByReason), nanos);
  }
}
