package dev.kiln.workflows.curation;

import dev.kiln.workflows.ActivityPolicies;
import dev.kiln.workflows.ActivitySummaries;
import dev.kiln.workflows.WorkflowVersions;
import dev.kiln.workflows.fanout.FanOutSettings;
import dev.kiln.workflows.fanout.ShardFanOut;
import dev.kiln.workflows.fanout.ShardStage;
import dev.kiln.workflows.spec.CurationProfile;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Fans out one activity per raw shard, at most {@link #MAX_SHARDS_IN_FLIGHT} at once so a large crawl does
 * not flood the queue, then runs the global steps. A shard already done is in history and never redone.
 *
 * <p>A corpus of more than {@link FanOutSettings#directUpTo} shards (runs that started on code with
 * {@link WorkflowVersions#CURATION_BATCHED_FAN_OUT}) goes through {@link ShardFanOut} instead: batch children of a few
 * hundred shards each, this workflow continuing as new as its history grows, only tallies crossing workflow
 * boundaries; then the partitioned global stage with its per-shard steps batched the same way
 * ({@link WorkflowVersions#BATCHED_GLOBAL_STAGE}; batched runs that started before it finalize from the shards' stats
 * files in one activity, {@code finalizeCurationFromStats}). See docs/curation-at-scale.md.
 */
public class CurationWorkflowImpl implements CurationWorkflow {
  static final int MAX_SHARDS_IN_FLIGHT = 8;

  private int shardsDone;
  private int shards;
  private String phase = "planning";

  @Override
  public CurationResult curate(CurationRequest request) {
    CurationRequest.Continued continued = request.continued();
    if (continued != null && continued.global() != null) {
      return batchedGlobalStage(request, continued);
    }
    if (continued != null) {
      return curateInBatches(request, continued.plan(), continued.shards());
    }
    ShardPlan plan = activities("plan shards")
        .planShards(new CurationActivities.PlanRequest(request.runId(), request.spec(), request.rawSelectionKey()));
    FanOutSettings fanOut = request.fanOutOrDefaults();
    // asked for every new run, so the decision is the marker's and the plan's (both in history), never the code's
    if (WorkflowVersions.takes(WorkflowVersions.CURATION_BATCHED_FAN_OUT) && fanOut.batches(plan.shards())) {
      ShardStage curate = new ShardStage.CurateShards(request.runId(), request.spec(), plan.planKey());
      return curateInBatches(request, plan, ShardFanOut.State.start(curate, plan.shards(), fanOut));
    }
    shards = plan.shards();
    phase = "curating shards";
    Workflow.setCurrentDetails("curating " + shards + " shards of " + plan.rawObjects() + " raw objects");

    List<ShardResult> results = new ArrayList<>();
    List<Promise<ShardResult>> inFlight = new ArrayList<>();
    for (int shard = 0; shard < plan.shards(); shard++) {
      if (inFlight.size() == MAX_SHARDS_IN_FLIGHT) {
        Promise.anyOf(inFlight).get();
        collectCompleted(inFlight, results);
      }
      ShardRequest shardRequest = new ShardRequest(request.runId(), request.spec(), plan.planKey(), shard, plan.shards());
      CurationActivities shardActivities = activities(ActivitySummaries.curateShard(shard, plan.shards()));
      inFlight.add(Async.function(shardActivities::curateShard, shardRequest));
    }
    Promise.allOf(inFlight).get();
    collectCompleted(inFlight, results);
    results.sort(Comparator.comparingInt(ShardResult::shard));

    CurationResult result;
    if (WorkflowVersions.takes(WorkflowVersions.PARTITIONED_GLOBAL_STAGE)) {
      result = partitionedGlobalStage(request, plan.shards());
    } else {
      phase = "dedup, tokenizer and packing";
      Workflow.setCurrentDetails(phase + " of " + shards + " shards");
      result = activities(
              "dedup, tokenize and pack " + shards + " shards" + (request.tokenizerKey() == null ? " (trains the tokenizer)" : ""))
          .finalizeCuration(new FinalizeRequest(request.runId(), request.spec(), request.tokenizerKey(), results));
    }
    phase = "done";
    Workflow.setCurrentDetails("kept " + result.keptDocuments() + " of " + result.rawDocuments() + " documents");
    return result;
  }

  /**
   * The global stage as DataTrove's MinHash runs it, every task streaming with memory independent of the corpus:
   * dedup keys per shard, buckets per band group and exact/URL partitions, one clustering, filter per shard, summary
   * (report), tokenizer on a bounded sample, tokenize and pack per shard, manifest merge. Requests carry the run, the
   * spec and indices, never per-shard lists.
   */
  private CurationResult partitionedGlobalStage(CurationRequest request, int shardCount) {
    DedupLayout layout = DedupLayout.of(shardCount, request.spec().curation().rules());
    GlobalStageRequest base = new GlobalStageRequest(request.runId(), request.spec(), request.tokenizerKey(), layout, 0);
    fanOut("dedup keys", layout.shards(), base, CurationActivities::writeDedupKeys);
    fanOut("near-dup buckets", layout.bandGroups(), base, CurationActivities::findNearDuplicatePairs);
    if (request.spec().curation().rules().exactDedup() || request.spec().curation().rules().urlDedup()) {
      fanOut("exact-dup partitions", layout.partitions(), base, CurationActivities::findExactDuplicates);
    }
    stage("cluster duplicates").clusterDuplicates(base);
    fanOut("filter", layout.shards(), base, CurationActivities::filterShard);
    GlobalSummary summary = stage("summarize and report").summarizeGlobalStage(base);
    GlobalStageRequest tokenized = base;
    if (request.tokenizerKey() == null) {
      tokenized = base.withTokenizer(stage("train tokenizer on a sample of " + summary.trainDocuments() + " training documents")
          .trainTokenizerOnSample(base));
    }
    fanOut("tokenize", layout.shards(), tokenized, CurationActivities::tokenizeShard);
    return stage("merge manifest of " + layout.shards() + " shards").mergeManifest(tokenized);
  }

  /** The single-task stages of the global stage, with the phase the progress query shows. */
  private CurationActivities stage(String name) {
    phase = name;
    Workflow.setCurrentDetails(name);
    return activities(name);
  }

  /** A task of a stage that runs once per shard, band group or partition. */
  @FunctionalInterface
  interface StageTask<R> {
    R run(CurationActivities activities, GlobalStageRequest request);
  }

  /**
   * Runs one task per index 0..count-1, at most {@link #MAX_SHARDS_IN_FLIGHT} at once, and waits for all of them. The
   * one place a global stage fans out, so that routing through child-workflow batches later changes only this.
   */
  private <R> void fanOut(String name, int count, GlobalStageRequest base, StageTask<R> task) {
    phase = name;
    List<Promise<R>> inFlight = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (inFlight.size() == MAX_SHARDS_IN_FLIGHT) {
        Promise.anyOf(inFlight).get();
        inFlight.removeIf(p -> {
          if (!p.isCompleted()) {
            return false;
          }
          p.get(); // rethrows a failed task's failure, also when another task completed first
          return true;
        });
        Workflow.setCurrentDetails(name + ": " + (i - inFlight.size()) + "/" + count);
      }
      CurationActivities stub = activities(name + " " + (i + 1) + "/" + count);
      GlobalStageRequest taskRequest = base.withIndex(i);
      inFlight.add(Async.function(() -> task.run(stub, taskRequest)));
    }
    Promise.allOf(inFlight).get();
    for (Promise<R> done : inFlight) {
      done.get(); // rethrows a failed task's failure
    }
  }

  /**
   * The shards through batch children from where {@code state} is, continuing as new when this run has started its
   * share of batches; in the last run, the global steps from the shards' stats files.
   */
  private CurationResult curateInBatches(CurationRequest request, ShardPlan plan, ShardFanOut.State state) {
    shards = plan.shards();
    shardsDone = state.done().shards();
    phase = "curating shards";
    String batching = "in batches of " + state.settings().shardsPerBatch() + ", run " + state.runs() + " of this workflow";
    Workflow.setCurrentDetails("curated " + shardsDone + "/" + shards + " shards of " + plan.rawObjects() + " raw objects " + batching);
    ShardFanOut.State after = ShardFanOut.run(state, tally -> {
      shardsDone = tally.shards();
      Workflow.setCurrentDetails("curated " + shardsDone + "/" + shards + " shards " + batching);
    });
    if (!after.finished()) {
      phase = "continuing as new";
      Workflow.continueAsNew(request.continuedWith(new CurationRequest.Continued(plan, after.nextRun())));
    }
    if (after.done().shards() != shards) {
      // a bug, not bad data: fail the workflow task (retried) rather than the run, so fixed code can go on from here
      throw new IllegalStateException("batched curation tallied " + after.done().shards() + " shards of " + shards);
    }

    if (WorkflowVersions.takes(WorkflowVersions.BATCHED_GLOBAL_STAGE)) {
      DedupLayout layout = DedupLayout.of(shards, request.spec().curation().rules());
      GlobalStageRequest base = new GlobalStageRequest(request.runId(), request.spec(), request.tokenizerKey(), layout, 0);
      return batchedGlobalStage(request, new CurationRequest.Continued(plan, after,
          new CurationRequest.GlobalProgress(base, GlobalStep.DEDUP_KEYS, null)));
    }
    phase = "dedup, tokenizer and packing";
    Workflow.setCurrentDetails(phase + " of " + shards + " shards");
    CurationResult result = activities(
            "dedup, tokenize and pack " + shards + " shards" + (request.tokenizerKey() == null ? " (trains the tokenizer)" : ""))
        .finalizeCurationFromStats(new FinalizeShardsRequest(request.runId(), request.spec(), request.tokenizerKey(), shards));
    phase = "done";
    Workflow.setCurrentDetails("kept " + result.keptDocuments() + " of " + result.rawDocuments() + " documents");
    return result;
  }

  /**
   * The partitioned global stage of a curation fanned out in batches, from where {@code state.global()} is: the per-index
   * steps through {@link ShardFanOut} as the shards were (batch children, a bounded number in flight), the single tasks
   * from this workflow. Each fan-out step ends this run with a continue-as-new, into the next step when it has finished
   * or into the same step where it stopped, so no run's history holds more than one step's share of batches.
   */
  private CurationResult batchedGlobalStage(CurationRequest request, CurationRequest.Continued state) {
    ShardPlan plan = state.plan();
    shards = plan.shards();
    shardsDone = shards;
    CurationRequest.GlobalProgress progress = state.global();
    GlobalStageRequest base = progress.request();
    DedupLayout layout = base.layout();
    CurationProfile rules = base.spec().curation().rules();
    GlobalStep step = progress.step();
    while (true) {
      switch (step) {
        case DEDUP_KEYS, NEAR_DUPLICATE_BUCKETS, EXACT_DUPLICATE_PARTITIONS, FILTER, TOKENIZE -> {
          if (step == GlobalStep.EXACT_DUPLICATE_PARTITIONS && !rules.exactDedup() && !rules.urlDedup()) {
            step = step.next();
            continue;
          }
          ShardFanOut.State fan = progress.fanOut() != null && progress.step() == step
              ? progress.fanOut()
              : ShardFanOut.State.start(new ShardStage.GlobalStepTasks(step, base), tasksOf(step, layout), state.shards().settings());
          String name = fan.stage().label();
          String of = " of " + fan.shards() + (step == GlobalStep.NEAR_DUPLICATE_BUCKETS ? " band groups"
              : step == GlobalStep.EXACT_DUPLICATE_PARTITIONS ? " partitions" : " shards");
          phase = name;
          Workflow.setCurrentDetails(name + ": " + fan.done().shards() + of + " done, run " + fan.runs() + " of this step");
          ShardFanOut.State after = ShardFanOut.run(fan, tally -> Workflow.setCurrentDetails(name + ": " + tally.shards() + of + " done"));
          if (after.finished() && after.done().shards() != after.shards()) {
            // a bug, not bad data: fail the workflow task (retried), so fixed code can go on from here
            throw new IllegalStateException(name + " tallied " + after.done().shards() + of);
          }
          CurationRequest.GlobalProgress next = after.finished()
              ? new CurationRequest.GlobalProgress(base, step.next(), null)
              : new CurationRequest.GlobalProgress(base, step, after.nextRun());
          phase = "continuing as new";
          Workflow.continueAsNew(request.continuedWith(state.withGlobal(next)));
          throw new IllegalStateException("unreachable: continued as new");
        }
        case CLUSTER -> {
          stage("cluster duplicates").clusterDuplicates(base);
          step = step.next();
        }
        case SUMMARIZE -> {
          GlobalSummary summary = stage("summarize and report").summarizeGlobalStage(base);
          if (base.tokenizerKey() == null) {
            base = base.withTokenizer(stage("train tokenizer on a sample of " + summary.trainDocuments() + " training documents")
                .trainTokenizerOnSample(base));
          }
          step = step.next();
        }
        case MERGE -> {
          CurationResult result = stage("merge manifest of " + layout.shards() + " shards").mergeManifest(base);
          phase = "done";
          Workflow.setCurrentDetails("kept " + result.keptDocuments() + " of " + result.rawDocuments() + " documents");
          return result;
        }
      }
    }
  }

  /** How many tasks a per-index global step has: one per shard, band group or partition. */
  private static int tasksOf(GlobalStep step, DedupLayout layout) {
    return switch (step) {
      case NEAR_DUPLICATE_BUCKETS -> layout.bandGroups();
      case EXACT_DUPLICATE_PARTITIONS -> layout.partitions();
      default -> layout.shards();
    };
  }

  /** The curation activities, with the summary the Web UI's timeline and {@code kiln activities} show. */
  private static CurationActivities activities(String summary) {
    return ActivitySummaries.stub(CurationActivities.class, ActivityPolicies.DATA_WORK, summary);
  }

  private void collectCompleted(List<Promise<ShardResult>> inFlight, List<ShardResult> results) {
    inFlight.removeIf(p -> {
      if (!p.isCompleted()) {
        return false;
      }
      results.add(p.get());
      shardsDone++;
      Workflow.setCurrentDetails("curated " + shardsDone + "/" + shards + " shards");
      return true;
    });
  }

  @Override
  public CurationProgress progress() {
    return new CurationProgress(shardsDone, shards, phase);
  }
}
