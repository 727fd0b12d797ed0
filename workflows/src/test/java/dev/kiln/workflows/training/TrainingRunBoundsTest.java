package dev.kiln.workflows.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.training.CheckpointActivities.CommitRequest;
import dev.kiln.workflows.training.CheckpointActivities.CommitResult;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a run carries across continue-as-new stays bounded however long it trains: a run of 10 million steps with
 * 1,000 interruptions, driven through {@link TrainingRun}'s transitions as the workflow drives them.
 */
class TrainingRunBoundsTest {
  private static final int STEPS = 10_000_000;
  private static final int CHECKPOINT_EVERY = 200;
  private static final int SEGMENT_STEPS = 5_000;
  private static final int LIMIT_BYTES = 64 * 1024;
  private static final RunSpec.Resilience POLICY = RunSpec.Resilience.DEFAULTS;
  private static final TrainingConfig CONFIG = TrainingConfig.builder().shape(new ModelShape(50_257, 1024, 768, 12, 12))
      .objective(Objective.CLM).batchSize(8).steps(STEPS).learningRate(6e-4, 6e-5).warmupSteps(2000).weightDecay(0.1)
      .gradClip(1.0).seed(1234).checkpointEvery(CHECKPOINT_EVERY).device("gpu:0")
      .manifestKey("runs/a-long-pretraining-run/curated/manifest.json").build();
  // keep the last 3 and every 10th: 5,000 milestones over the run, of which the run carries the newest
  private static final Retention RETENTION = new Retention(3, 10, CHECKPOINT_EVERY);

  private static CheckpointRef ref(int generation, int step) {
    return new CheckpointRef(String.format("runs/a-long-pretraining-run/checkpoints/g%03d/step-%07d/", generation, step),
        step, 2.0 + 8.0 / Math.sqrt(step));
  }

  /** The segment's checkpoints from {@code from} (exclusive) to {@code to}, in its run's generation. */
  private static List<CheckpointRef> checkpoints(TrainingRun run, int from, int to) {
    List<CheckpointRef> refs = new ArrayList<>();
    for (int s = from + CHECKPOINT_EVERY; s <= to; s += CHECKPOINT_EVERY) {
      refs.add(ref(run.generation(), s));
    }
    return refs;
  }

  /** The commit activity's answer: every candidate verifies except those named. */
  private static TrainingRun commit(TrainingRun run, List<CheckpointRef> candidates, int rejectStep) {
    CommitRequest request = run.commitRequest(candidates, "a-long-pretraining-run", CONFIG, RETENTION);
    if (request == null) {
      return run;
    }
    List<CheckpointRef> verified = new ArrayList<>();
    List<String> rejected = new ArrayList<>();
    for (CheckpointRef c : request.candidates()) {
      if (c.step() == rejectStep) {
        rejected.add(c.prefix() + ": model.safetensors does not match its manifest (sha256 differs)");
      } else {
        verified.add(c);
      }
    }
    verified.sort(Comparator.comparingInt(CheckpointRef::step));
    return run.onCommit(new CommitResult(verified, rejected, List.of()), RETENTION);
  }

  @Test
  void tenMillionStepsWithAThousandInterruptionsCarryUnder64KB() {
    long now = 1_700_000_000_000L;
    TrainingRun run = TrainingRun.start(null, now);
    int interruptions = 0;
    int segment = 0;
    int largestBytes = 0;
    while (run.committedStep() < STEPS) {
      segment++;
      now += 60_000;
      TrainingRun.Started started = run.startSegment("a-long-pretraining-run", CONFIG, SEGMENT_STEPS, POLICY);
      run = started.run();
      if (segment % 2 == 0 && interruptions < 1_000) {
        // the worker dies halfway: its reports and last heartbeat's checkpoint are committed, the rest is lost
        interruptions++;
        int died = started.start() + SEGMENT_STEPS / 2 + 37;
        List<CheckpointRef> reported = checkpoints(run, started.start(), died - 37 - CHECKPOINT_EVERY);
        run = run.onReport(new TrainingWorkflow.CheckpointReport(started.segment().segment(), reported));
        CheckpointRef last = ref(run.generation(), died - 37);
        TrainingHeartbeat beat = new TrainingHeartbeat(died, STEPS, 2.5, 40_000, 1e6, last, now, now - 50_000, null);
        TrainingRun.Interrupted stopped = run.stopReports().onInterruption(null, null, beat);
        // every tenth interruption also finds a torn checkpoint: a warning and a new generation
        run = commit(stopped.run(), stopped.candidates(), interruptions % 10 == 0 ? died - 37 : -1);
        run = run.afterInterruptionCommit("worker lost (heartbeat timeout)", beat, started.start(), now - 60_000,
            started.before(), CONFIG.tokensPerStep(), now + 30_000).run();
      } else {
        SegmentResult result = new SegmentResult(checkpoints(run, started.start(), started.end()), started.start(),
            started.end(), 1, 40_000, 55_000_000_000L, now - 59_000, 1_000_000, 2_000_000_000L, 4_000_000_000L, null,
            "end");
        run = run.stopReports().onSegmentResult(result, CONFIG.tokensPerStep());
        run = commit(run, result.checkpoints(), -1);
        run = run.afterSegmentCommit(result, started.before(), POLICY.maxRollbacks(), now);
      }
      if (segment % 50 == 0) {
        // the operator rolls back now and then, and the run continues as new every few segments
        int to = run.retainedSteps().get(run.retainedSteps().size() - 2);
        run = run.onControl(new TrainingRun.RollBack(to)).applyNextControl(now).run();
      }
      if (segment % 7 == 0) {
        TrainingState state = run.toState(4_000);
        largestBytes = Math.max(largestBytes, bytes(state));
        run = TrainingRun.start(state, now);
      }
    }

    TrainingState state = run.toState(4_000);
    int finalBytes = bytes(state);
    System.out.printf("carried state after %,d steps, %,d segments, %,d interruptions: %,d bytes at the end,"
        + " %,d bytes at most (limit %,d)%n", run.committedStep(), segment, run.totals().interruptions(), finalBytes,
        largestBytes, LIMIT_BYTES);
    assertEquals(STEPS, run.committedStep());
    assertEquals(1_000, run.totals().interruptions(), "the ledger counts every worker loss");
    assertEquals(segment / 50, run.totals().rollbacks());
    assertEquals(100, run.totals().warnings() - run.totals().rollbacks(), "a torn checkpoint, or a rollback, warns");
    assertEquals(TrainingRun.RECENT_INTERRUPTIONS, state.interruptions().size());
    assertTrue(run.totals().forgottenMilestones() > 3_000, run.totals().toString());
    assertTrue(state.retained().size() <= TrainingRun.MILESTONES_CARRIED, state.retained().size() + " retained");
    assertTrue(finalBytes < LIMIT_BYTES && largestBytes < LIMIT_BYTES, finalBytes + " / " + largestBytes + " bytes");
    assertTrue(state.lossCurve().steps().size() <= LossCurve.MAX_POINTS);
    assertEquals(STEPS, state.lossCurve().steps().get(state.lossCurve().steps().size() - 1));
    assertEquals(STEPS, TrainingRun.start(state, now).newestRetained().step(), "the run still resumes where it was");
  }

  @Test
  void aRollbackPastTheCarriedCommittedCheckpointsKeepsTheTargetAsTheNewestCommitted() {
    TrainingRun run = TrainingRun.start(null, 0);
    for (int s = CHECKPOINT_EVERY; s <= 100 * CHECKPOINT_EVERY; s += CHECKPOINT_EVERY) {
      run = commit(run, List.of(ref(0, s)), -1);
    }
    assertEquals(TrainingRun.RECENT_COMMITTED, run.committed().size());
    int milestone = 10 * CHECKPOINT_EVERY * 3; // step 6000, long out of the carried committed list
    assertTrue(run.retainedSteps().contains(milestone));
    run = run.onControl(new TrainingRun.RollBack(milestone)).applyNextControl(1).run();
    assertEquals(milestone, run.committedStep());
    assertEquals(milestone, run.newestRetained().step());
    assertEquals(milestone, run.lossCurve().steps().get(run.lossCurve().steps().size() - 1));
  }

  @Test
  void anOperatorCannotGrowTheCarriedSkipsAndLearningRatesWithoutBound() {
    TrainingRun run = commit(TrainingRun.start(null, 0), List.of(ref(0, 200)), -1);
    for (int i = 0; i < TrainingRun.MAX_OPERATOR_CHANGES; i++) {
      run = run.onControl(new TrainingRun.SetLearningRate(1e-4)).applyNextControl(i).run();
    }
    TrainingRun full = run;
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> full.validate(new TrainingRun.SetLearningRate(1e-4), true));
    assertTrue(e.getMessage().contains("100 learning-rate changes") && e.getMessage().contains("start a new run"),
        e.getMessage());
  }

  @Test
  void aRecordWithoutTotalsCountsThemFromItsLists() {
    Interruption lost = new Interruption("worker lost", 0, 10, 120, 100, 20, 500);
    TrainingState old = new TrainingState(List.of(ref(0, 100)), List.of(ref(0, 100)), 0, List.of(), List.of(),
        List.of(lost, lost), List.of(), List.of("w"), List.of(100, 100), 0, 0, 0, 0, 0, 0, 0, 0, 3, 1, 500, null, null);
    TrainingRun run = TrainingRun.start(old, 0);
    assertEquals(new LedgerTotals(2, 40, 0, 0, 1, 2, 0), run.totals());
    assertEquals(List.of(100), run.lossCurve().steps());
  }

  private static int bytes(TrainingState state) {
    return DefaultDataConverter.STANDARD_INSTANCE.toPayload(state).orElseThrow().getData().size();
  }
}
