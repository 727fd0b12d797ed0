package dev.kiln.workflows.curation;

import dev.kiln.workflows.fanout.FanOutSettings;
import dev.kiln.workflows.fanout.ShardFanOut;
import dev.kiln.workflows.spec.RunSpec;

/**
 * @param tokenizerKey S3 key of an existing tokenizer.json to reuse (continued pretraining), or null to
 *     train a new byte-level BPE on the kept text
 * @param rawSelectionKey the raw objects to curate (a {@link RawSelection}'s list, for runs with data.onlyNew), or
 *     null for every object under the spec's prefixes
 * @param fanOut how a large corpus fans out in batches, or null for {@link FanOutSettings#CURATION}; read when the
 *     workflow starts (a continued run has them in {@code continued})
 * @param continued where a run that continued as new goes on from, or null for a new curation
 */
public record CurationRequest(
    String runId, RunSpec spec, String tokenizerKey, String rawSelectionKey, FanOutSettings fanOut, Continued continued) {

  public CurationRequest(String runId, RunSpec spec, String tokenizerKey, String rawSelectionKey) {
    this(runId, spec, tokenizerKey, rawSelectionKey, null, null);
  }

  /** {@link #fanOut}, or curation's defaults. */
  public FanOutSettings fanOutOrDefaults() {
    return fanOut == null ? FanOutSettings.CURATION : fanOut;
  }

  /** This request for the next run of the workflow (continue-as-new). */
  public CurationRequest continuedWith(Continued state) {
    return new CurationRequest(runId, spec, tokenizerKey, rawSelectionKey, fanOut, state);
  }

  /**
   * The batched curation's state across continue-as-new: the plan, how far the shards' fan-out got, and, once every
   * shard is curated, how far the global stage got.
   *
   * @param global null while shards are being curated (and in runs that started before the global stage was batched)
   */
  public record Continued(ShardPlan plan, ShardFanOut.State shards, GlobalProgress global) {
    public Continued(ShardPlan plan, ShardFanOut.State shards) {
      this(plan, shards, null);
    }

    public Continued withGlobal(GlobalProgress progress) {
      return new Continued(plan, shards, progress);
    }
  }

  /**
   * Where a batched global stage goes on from: the request its tasks get (with the tokenizer once trained), the step,
   * and, for a fan-out step part-way, its fan-out's state (null when the step starts afresh).
   */
  public record GlobalProgress(GlobalStageRequest request, GlobalStep step, ShardFanOut.State fanOut) {}
}
