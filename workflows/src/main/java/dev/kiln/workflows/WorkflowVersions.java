package dev.kiln.workflows;

import io.temporal.workflow.Workflow;

/**
 * Every change to a workflow's decisions made after runs could be in flight, by name. A run that started on older code
 * replays the old branch ({@link Workflow#DEFAULT_VERSION}: no marker in its history); a run that reaches the change
 * point on newer code records the marker and takes the new one. WorkflowReplayTest replays recorded histories of
 * real runs, so an unguarded change fails the build.
 *
 * <p>To retire an old branch once no run that started before it can still be running (see docs/operations.md):
 * delete the branch and raise the {@code minSupported} of its call to the new version; keep the call and its id.
 */
public final class WorkflowVersions {
  private WorkflowVersions() {}

  /** PretrainingWorkflow asks a gpu-queue worker for the GPUs of {@code training.device} before curation. */
  public static final String DEVICE_CHECK_BEFORE_CURATION = "device-check-before-curation";

  /**
   * PretrainingWorkflow records the validator's verdict on its spec (a side effect) instead of recomputing it on every
   * replay: the rules grow (e.g. supported languages, finite numbers), and a replay must keep the verdict the run
   * started with. Runs that started before it recompute it, with today's rules.
   */
  public static final String SPEC_VERDICT_RECORDED = "spec-verdict-recorded";

  /**
   * The comparison decoder of an encoder's evaluation is opt-in ({@code evaluation.compareWithDecoder}). Asked when a
   * PretrainingWorkflow starts, so a run that started before (no marker) keeps the comparison it started with, also
   * when its evaluation runs on newer workers; a run that starts on this code compares only if its spec asks.
   */
  public static final String DECODER_COMPARISON_OPT_IN = "decoder-comparison-opt-in";

  /**
   * TrainingWorkflow publishes its warnings to the memo once per segment boundary (the newest ones and their count)
   * instead of once per warning with every warning so far. Asked at a run's first warning.
   */
  public static final String WARNINGS_MEMO_PER_BOUNDARY = "warnings-memo-per-boundary";

  /**
   * CurationWorkflow runs the global stage partitioned (dedup keys per shard, buckets per band group, partitions,
   * clusters, filter, tokenizer sample, tokenize per shard, manifest merge) instead of one finalizeCuration activity.
   * Asked after the shards are curated.
   */
  public static final String PARTITIONED_GLOBAL_STAGE = "curation-partitioned-global-stage";

  /**
   * CurationWorkflow fans a corpus of more than {@code FanOutSettings.directUpTo} shards (256 by default) out through
   * ShardBatchWorkflow children and continues as new as its history grows, instead of one activity per shard from
   * itself with every result in its history. Asked once the shards are planned; smaller corpora keep the direct path.
   */
  public static final String CURATION_BATCHED_FAN_OUT = "curation-batched-fan-out";

  /**
   * A curation fanned out in batches runs the partitioned global stage with its per-shard steps (dedup keys, filter,
   * tokenize) batched the same way and a continue-as-new after each fan-out step, instead of one
   * finalizeCurationFromStats activity that holds the corpus's kept documents in memory. Asked once every shard is
   * curated; later runs carry the decision in their state.
   */
  public static final String BATCHED_GLOBAL_STAGE = "curation-batched-global-stage";

  /** Whether this run takes the branch that {@code changeId} (version 1) introduced. */
  public static boolean takes(String changeId) {
    return Workflow.getVersion(changeId, Workflow.DEFAULT_VERSION, 1) == 1;
  }
}
