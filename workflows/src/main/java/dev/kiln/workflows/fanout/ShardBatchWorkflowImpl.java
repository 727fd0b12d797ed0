package dev.kiln.workflows.fanout;

import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs {@code [next, to)} of a {@link ShardBatchRequest}, at most {@code inFlight} activities at once. After
 * {@code shardsPerRun} shards started in this run, or when Temporal suggests it, it stops starting shards, waits for
 * those in flight (an activity left running across continue-as-new would be lost to this run) and continues as new
 * with the tally so far. A shard's activity is started exactly once per batch, from exactly one run.
 */
public class ShardBatchWorkflowImpl implements ShardBatchWorkflow {
  private ShardBatchRequest request;
  private ShardTally done = ShardTally.NONE;

  @Override
  public ShardTally run(ShardBatchRequest request) {
    this.request = request;
    done = request.done();
    ShardStage stage = request.stage();
    int next = request.next();
    int startedThisRun = 0;
    details();
    List<Promise<ShardTally>> inFlight = new ArrayList<>();
    while (next < request.to() && startedThisRun < request.shardsPerRun() && !Workflow.getInfo().isContinueAsNewSuggested()) {
      if (inFlight.size() >= request.inFlight()) {
        Promise.anyOf(inFlight).get();
        collectCompleted(inFlight);
        continue;
      }
      inFlight.add(stage.start(next, request.shards()));
      next++;
      startedThisRun++;
    }
    Promise.allOf(inFlight).get();
    collectCompleted(inFlight);
    if (next < request.to()) {
      Workflow.continueAsNew(request.continuedAt(next, done));
    }
    return done;
  }

  private void collectCompleted(List<Promise<ShardTally>> inFlight) {
    inFlight.removeIf(p -> {
      if (!p.isCompleted()) {
        return false;
      }
      done = done.plus(p.get());
      return true;
    });
    details();
  }

  private void details() {
    Workflow.setCurrentDetails(request.stage().label() + " shards " + request.from() + "-" + (request.to() - 1) + ": "
        + done.shards() + "/" + (request.to() - request.from()) + " done");
  }

  @Override
  public BatchProgress progress() {
    return request == null ? new BatchProgress(0, 0) : new BatchProgress(done.shards(), request.to() - request.from());
  }
}
