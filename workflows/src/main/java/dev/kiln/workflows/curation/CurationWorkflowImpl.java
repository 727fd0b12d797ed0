package dev.kiln.workflows.curation;

import dev.kiln.workflows.ActivityPolicies;
import dev.kiln.workflows.ActivitySummaries;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Fans out one activity per raw shard, at most {@link #MAX_SHARDS_IN_FLIGHT} at once so a large crawl does
 * not flood the queue, then runs the global steps. A shard already done is in history and never redone.
 */
public class CurationWorkflowImpl implements CurationWorkflow {
  static final int MAX_SHARDS_IN_FLIGHT = 8;

  private int shardsDone;
  private int shards;
  private String phase = "planning";

  @Override
  public CurationResult curate(CurationRequest request) {
    ShardPlan plan = activities("plan shards")
        .planShards(new CurationActivities.PlanRequest(request.runId(), request.spec(), request.rawSelectionKey()));
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

    phase = "dedup, tokenizer and packing";
    Workflow.setCurrentDetails(phase + " of " + shards + " shards");
    CurationResult result = activities(
            "dedup, tokenize and pack " + shards + " shards" + (request.tokenizerKey() == null ? " (trains the tokenizer)" : ""))
        .finalizeCuration(new FinalizeRequest(request.runId(), request.spec(), request.tokenizerKey(), results));
    phase = "done";
    Workflow.setCurrentDetails("kept " + result.keptDocuments() + " of " + result.rawDocuments() + " documents");
    return result;
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
