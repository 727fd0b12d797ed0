package dev.kiln.workflows.fanout;

import dev.kiln.workflows.TaskQueues;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The parent's side of a batched fan-out, for a workflow that owns a stage over many shards: starts
 * {@link ShardBatchWorkflow} children over consecutive ranges of {@link FanOutSettings#shardsPerBatch} shards, at most
 * {@link FanOutSettings#batchesInFlight} at once, and adds up their tallies. It hands back after
 * {@link FanOutSettings#batchesPerRun} batches in this run (or when Temporal suggests continuing as new), once the
 * batches in flight have completed, so that the caller continues as new with the returned {@link State}: nothing else
 * needs carrying, since batches start in order and every started one has completed.
 *
 * <p>Workflow code. Batch children's ids are the parent's workflow id, the stage's label and the range, so they are
 * the same on every replay and unique within the run.
 */
public final class ShardFanOut {
  private ShardFanOut() {}

  /**
   * A fan-out's progress, carried across continue-as-new: shards {@code [0, nextShard)} are done and add up to
   * {@code done}.
   *
   * @param runs parent runs so far, this one included
   */
  public record State(ShardStage stage, int shards, FanOutSettings settings, int nextShard, ShardTally done, int runs) {
    public static State start(ShardStage stage, int shards, FanOutSettings settings) {
      return new State(stage, shards, settings, 0, ShardTally.NONE, 1);
    }

    /** Every shard's activity has completed. */
    public boolean finished() {
      return nextShard >= shards;
    }

    /** The state for the next run of the parent. */
    public State nextRun() {
      return new State(stage, shards, settings, nextShard, done, runs + 1);
    }

    State with(int next, ShardTally tally) {
      return new State(stage, shards, settings, next, tally, runs);
    }
  }

  /**
   * Runs batches from {@code state} until every shard is done or this run has started its share of batches; returns the
   * state with every started batch completed. {@code progress} sees the tally of every shard done so far (this run's
   * and earlier runs') each time batches complete.
   */
  public static State run(State state, Consumer<ShardTally> progress) {
    FanOutSettings settings = state.settings();
    String parentId = Workflow.getInfo().getWorkflowId();
    List<Promise<ShardTally>> inFlight = new ArrayList<>();
    int next = state.nextShard();
    // batches may complete out of order: the tally adds up those that completed; the returned nextShard is the
    // end of the started ranges, which is where the next run goes on since every started batch has completed then
    ShardTally tally = state.done();
    int startedThisRun = 0;
    while (next < state.shards() && startedThisRun < settings.batchesPerRun() && !Workflow.getInfo().isContinueAsNewSuggested()) {
      if (inFlight.size() >= settings.batchesInFlight()) {
        Promise.anyOf(inFlight).get();
        tally = collectCompleted(inFlight, tally, progress);
        continue;
      }
      int from = next;
      int to = Math.min(state.shards(), from + settings.shardsPerBatch());
      ShardBatchWorkflow child = Workflow.newChildWorkflowStub(ShardBatchWorkflow.class, ChildWorkflowOptions.newBuilder()
          .setWorkflowId(String.format("%s-%s-%d-%d", parentId, state.stage().label(), from, to - 1))
          .setStaticSummary(state.stage().label() + " shards " + (from + 1) + "-" + to + " of " + state.shards())
          .setTaskQueue(TaskQueues.CPU)
          .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE)
          .build());
      inFlight.add(Async.function(child::run, ShardBatchRequest.of(state.stage(), from, to, state.shards(), settings)));
      next = to;
      startedThisRun++;
    }
    Promise.allOf(inFlight).get();
    tally = collectCompleted(inFlight, tally, progress);
    return state.with(next, tally);
  }

  private static ShardTally collectCompleted(List<Promise<ShardTally>> inFlight, ShardTally tally, Consumer<ShardTally> progress) {
    ShardTally[] sum = {tally};
    inFlight.removeIf(batch -> {
      if (!batch.isCompleted()) {
        return false;
      }
      sum[0] = sum[0].plus(batch.get());
      return true;
    });
    progress.accept(sum[0]);
    return sum[0];
  }
}
