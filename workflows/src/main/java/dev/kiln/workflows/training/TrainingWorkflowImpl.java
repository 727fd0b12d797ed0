package dev.kiln.workflows.training;

import dev.kiln.workflows.ActivityPolicies;
import dev.kiln.workflows.ActivitySummaries;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.KilnSearchAttributes;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * Trains in segments and owns the checkpoint protocol. A training activity writes checkpoints and reports them
 * (in its result, or in its last heartbeat if it dies); this workflow commits a checkpoint only after another
 * process re-read it against its manifest ({@link CheckpointActivities#commit}), and resumes only from its own
 * record of committed checkpoints, never from a listing of storage. A checkpoint that fails verification, at
 * commit or when a segment loads it, is dropped with a warning and the previous one is used.
 *
 * <p>Interruptions are handled here rather than by the activity's retry policy, so each one lands in the
 * goodput ledger with its cause, detection time, steps lost and time to the first resumed step. Loss spikes and
 * non-finite losses roll back to the last committed checkpoint and skip the offending data, at most
 * {@code maxRollbacks} times. The history is kept short by continuing as new with {@link TrainingState}.
 */
public class TrainingWorkflowImpl implements TrainingWorkflow {
  private static final Logger log = Workflow.getLogger(TrainingWorkflowImpl.class);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final CheckpointActivities checkpoints =
      Workflow.newLocalActivityStub(CheckpointActivities.class, ActivityPolicies.CHECKPOINT_COMMIT);

  private TrainingRequest request;
  private TrainingConfig config;
  private RunSpec.Resilience policy;
  private Retention retention;

  // The durable record (see TrainingState); mutable here, copied out when continuing as new.
  private List<CheckpointRef> committed = new ArrayList<>();
  private List<CheckpointRef> retained = new ArrayList<>();
  private int generation;
  private final List<DataSkip> skips = new ArrayList<>();
  private final List<LearningRateOverride> learningRates = new ArrayList<>();
  private final List<Interruption> interruptions = new ArrayList<>();
  private final List<Rollback> rollbacks = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  private final List<Integer> resumes = new ArrayList<>();
  private long productiveNanos;
  private long trainNanos;
  private long tokensTrained;
  private long stallNanos;
  private long uploadedBytes;
  private long uploadNanos;
  private long startedEpochMillis;
  private long pausedMillis;
  private int segments;
  private int continuedAsNew;
  private long historyEventsBefore;

  // Operator control.
  private final Deque<Control> controls = new ArrayDeque<>();
  private CancellationScope runningSegment;
  private Promise<SegmentResult> runningResult;
  private boolean paused;
  private long pausedSince;
  private boolean done;
  private int failuresWithoutProgress;

  // Checkpoints the running segment reported durable (checkpointDurable), not yet verified.
  private int segmentNumber;
  private final List<CheckpointRef> reported = new ArrayList<>();
  private boolean takesReports;

  @Override
  public TrainingResult train(TrainingRequest request) {
    this.request = request;
    this.config = request.config();
    this.policy = request.resilience();
    this.retention = new Retention(policy.keepLast(), policy.keepEvery(), config.checkpointEvery());
    restore(request.state());

    while (true) {
      stopIfCancelled();
      applyControls();
      if (committedStep() >= config.steps()) {
        break;
      }
      if (paused) {
        Workflow.await(() -> !controls.isEmpty());
        continue;
      }
      runSegment();
      if (shouldContinueAsNew()) {
        Workflow.continueAsNew(new TrainingRequest(request.runId(), config, request.segmentSteps(), policy, state()));
      }
    }
    done = true;
    // Controls accepted while the last segment finished have nothing left to act on.
    controls.forEach(c -> c.result = new ControlResult("training already finished at step " + committedStep(), committedStep()));
    controls.clear();
    Workflow.await(Workflow::isEveryHandlerFinished);
    return result();
  }

  // ---- segments

  private void runSegment() {
    CheckpointRef from = newestRetained();
    int start = from == null ? 0 : from.step();
    int end = Math.min(start + request.segmentSteps(), config.steps());
    int before = committedStep();
    SegmentRequest segment = new SegmentRequest(
        request.runId(), config, from, end, generation, List.copyOf(skips), List.copyOf(learningRates),
        policy.lossSpikeFactor(), policy.lossSpikeWindow(), policy.asyncCheckpoints(), policy.segmentSeconds(),
        ++segmentNumber);
    TrainingActivities activity = Workflow.newActivityStub(TrainingActivities.class, segmentOptions(start, end));

    long scheduledAt = Workflow.currentTimeMillis();
    reported.clear();
    takesReports = true;
    runningSegment = Workflow.newCancellationScope(() -> {
      runningResult = Async.function(activity::trainSegment, segment);
    });
    runningSegment.run();
    SegmentResult result;
    try {
      // detached: a cancel of the run must not end this wait; it reaches the segment, whose result is committed below
      CancellationScope run = CancellationScope.current();
      Workflow.newDetachedCancellationScope(() -> commitReportedUntilDone(run)).run();
      result = runningResult.get();
    } catch (ActivityFailure failure) {
      takesReports = false;
      stopIfCancelled();
      interrupted(failure, start, scheduledAt, before);
      return;
    } finally {
      takesReports = false;
      runningSegment = null;
      runningResult = null;
    }
    reported.clear(); // the result carries every checkpoint the segment made durable
    if (CancellationScope.current().isCancelRequested()) {
      // The run is being cancelled: the segment stopped at a checkpoint of its step; commit it, then stop.
      Workflow.newDetachedCancellationScope(() -> finished(result, before)).run();
      stopIfCancelled();
    }
    finished(result, before);
  }

  /**
   * While the segment runs, verifies and commits the checkpoints it reports durable, so that status and rollback
   * see them during the segment. Stops taking reports from the segment if one fails verification: the segment's
   * result is then committed as a whole, as at its end (a rejection starts a new generation, whose retention would
   * treat the segment's later checkpoints as abandoned while it still writes them). Not while the run is being
   * cancelled: the segment's result is committed then. Each commit here costs about 5 events (the signal, a
   * workflow task, the local activity's marker); the activity reports at most every 5 s, which bounds that.
   */
  private void commitReportedUntilDone(CancellationScope run) {
    while (true) {
      Workflow.await(() -> runningResult.isCompleted()
          || (takesReports && !reported.isEmpty() && !run.isCancelRequested()));
      if (runningResult.isCompleted()) {
        return;
      }
      List<CheckpointRef> batch = List.copyOf(reported);
      reported.clear();
      if (!commit(batch)) { // in the detached scope: a cancel of the run arriving meanwhile does not cut it short
        takesReports = false;
      }
    }
  }

  @Override
  public void checkpointDurable(CheckpointReport report) {
    if (takesReports && report.segment() == segmentNumber && report.checkpoints() != null) {
      reported.addAll(report.checkpoints());
    }
  }

  /** Ends the workflow as cancelled once the run was (e.g. {@code kiln cancel}): no new segment starts. */
  private static void stopIfCancelled() {
    if (CancellationScope.current().isCancelRequested()) {
      throw new CanceledFailure("training cancelled");
    }
  }

  private ActivityOptions segmentOptions(int start, int end) {
    Duration heartbeat = Duration.ofSeconds(policy.heartbeatSeconds());
    return ActivityOptions.newBuilder(ActivityPolicies.TRAINING_SEGMENT)
        .setHeartbeatTimeout(heartbeat)
        .setStartToCloseTimeout(Duration.ofSeconds(policy.segmentSeconds()).multipliedBy(3).plusHours(1))
        // This workflow resumes after a failure itself, from its own record, and writes the ledger entry.
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
        .setSummary(ActivitySummaries.trainSteps(start, end) + (generation == 0 ? "" : " (generation " + generation + ")"))
        .build();
  }

  /**
   * A segment came back: commit its checkpoints, count its time, and act on a rejected loss.
   *
   * @param before the committed step when the segment started (checkpoints may have been committed since, from its
   *     reports)
   */
  private void finished(SegmentResult result, int before) {
    segments++;
    trainNanos += result.trainNanos();
    tokensTrained += (long) (result.endStep() - result.resumedFromStep()) * config.tokensPerStep();
    stallNanos += result.stallNanos();
    uploadedBytes += result.uploadedBytes();
    uploadNanos += result.uploadNanos();
    if (result.firstStepEpochMillis() > 0) {
      markResumed(result.firstStepEpochMillis());
    }
    commit(result.checkpoints());
    int kept = committedStep() - Math.max(before, result.resumedFromStep());
    int trained = result.endStep() - result.resumedFromStep();
    if (trained > 0 && kept > 0) {
      productiveNanos += result.trainNanos() * Math.min(kept, trained) / trained;
    }
    if (committedStep() > before) {
      failuresWithoutProgress = 0;
    }
    if (result.anomaly() != null) {
      rollBackFrom(result.anomaly(), result.endStep());
    }
    publishProgress();
  }

  /**
   * The segment's activity failed or its worker died: commit what it reported, record it, resume.
   *
   * @param before the committed step when the segment started
   */
  private void interrupted(ActivityFailure failure, int start, long scheduledAt, int before) {
    Throwable cause = failure.getCause();
    long now = Workflow.currentTimeMillis();
    if (cause instanceof CanceledFailure) {
      return; // cancelled before it started: nothing was trained
    }
    Optional<TrainingHeartbeat> beat = lastHeartbeat(cause);
    String reason;
    if (cause instanceof TimeoutFailure timeout) {
      reason = "worker lost (" + timeout.getTimeoutType().name().replace("TIMEOUT_TYPE_", "").toLowerCase()
          + " timeout)";
    } else if (cause instanceof ApplicationFailure app && Failures.CORRUPT_CHECKPOINT.equals(app.getType())) {
      String prefix = app.getDetails().get(0, String.class);
      dropCorrupt(prefix, app.getOriginalMessage());
      reason = "corrupt checkpoint";
    } else if (cause instanceof ApplicationFailure app && app.isNonRetryable()) {
      throw app; // bad input: retrying cannot fix it
    } else {
      String message = cause instanceof ApplicationFailure app ? app.getOriginalMessage()
          : cause == null ? failure.getMessage() : cause.getMessage();
      reason = "activity failed: " + (message.length() > 160 ? message.substring(0, 160) + "..." : message);
    }
    beat.map(TrainingHeartbeat::firstStepEpochMillis).filter(t -> t > 0).ifPresent(this::markResumed);
    // Reports not verified yet, and the last heartbeat's checkpoint: commit() verifies them, newest first.
    List<CheckpointRef> candidates = new ArrayList<>(reported);
    reported.clear();
    beat.map(TrainingHeartbeat::lastCheckpoint).filter(c -> !candidates.contains(c)).ifPresent(candidates::add);
    commit(candidates);
    if (beat.isPresent() && committedStep() > before && beat.get().tokensPerSecond() > 0) {
      // The steps the dead attempt trained up to its committed checkpoint are kept: productive time.
      int kept = committedStep() - Math.max(before, start);
      productiveNanos += (long) (kept * config.tokensPerStep() / beat.get().tokensPerSecond() * 1e9);
    }
    long lastAlive = beat.map(TrainingHeartbeat::epochMillis).orElse(scheduledAt);
    int lastStep = beat.map(TrainingHeartbeat::step).orElse(start);
    interruptions.add(new Interruption(reason, lastAlive, Math.max(0, now - lastAlive), lastStep, committedStep(),
        Math.max(0, lastStep - committedStep()), -1));
    resumes.add(committedStep());
    log.warn("training of {} interrupted at step {} ({}); resuming from committed step {}",
        request.runId(), lastStep, reason, committedStep());
    if (committedStep() > before) {
      failuresWithoutProgress = 0;
    } else if (++failuresWithoutProgress > 1) {
      // Nothing moved since the last failure (storage down, no worker): back off like a retry policy would.
      Duration backoff = Duration.ofSeconds(1L << Math.min(failuresWithoutProgress - 2, 5));
      Workflow.sleep(backoff.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff);
    }
    publishProgress();
  }

  private static Optional<TrainingHeartbeat> lastHeartbeat(Throwable cause) {
    try {
      if (cause instanceof TimeoutFailure timeout && timeout.getLastHeartbeatDetails().getSize() > 0) {
        return Optional.ofNullable(timeout.getLastHeartbeatDetails().get(TrainingHeartbeat.class));
      }
      if (cause instanceof ApplicationFailure app && app.getDetails().getSize() > 0
          && !Failures.CORRUPT_CHECKPOINT.equals(app.getType())) {
        return Optional.ofNullable(app.getDetails().get(TrainingHeartbeat.class));
      }
    } catch (RuntimeException unreadable) {
      // details of another shape (an older worker): resume from the committed record alone
    }
    return Optional.empty();
  }

  // ---- the checkpoint protocol

  /**
   * Verifies candidates in another process, records those that pass as committed, and applies retention.
   *
   * @return false if a candidate failed verification
   */
  private boolean commit(List<CheckpointRef> candidates) {
    List<CheckpointRef> fresh = candidates.stream()
        .filter(c -> c.step() > committedStep())
        .sorted(Comparator.comparingInt(CheckpointRef::step).reversed())
        .toList();
    if (fresh.isEmpty()) {
      return true;
    }
    CheckpointActivities.CommitResult result = checkpoints.commit(new CheckpointActivities.CommitRequest(
        request.runId(), config.hash(), fresh, List.copyOf(retained), retention, pinned(), generation, config.legacyHash()));
    result.rejected().forEach(this::warn);
    if (!result.rejected().isEmpty()) {
      newGeneration();
    }
    committed = sortedUnion(committed, result.verified());
    // The activity deleted what this leaves out: the same function of the same list.
    retained = new ArrayList<>(retention.afterCommit(retained, result.verified(), pinned()));
    return result.rejected().isEmpty();
  }

  /** Targets of accepted rollbacks not applied yet: retention must not delete them meanwhile. */
  private List<String> pinned() {
    return controls.stream()
        .filter(c -> c.kind == Kind.ROLLBACK)
        .flatMap(c -> retained.stream().filter(r -> r.step() == c.a))
        .map(CheckpointRef::prefix)
        .toList();
  }

  /** Both lists' checkpoints in step order (each list is already in step order, and they share none). */
  static List<CheckpointRef> sortedUnion(List<CheckpointRef> a, List<CheckpointRef> b) {
    List<CheckpointRef> out = new ArrayList<>(a);
    b.stream().filter(c -> !a.contains(c)).forEach(out::add);
    out.sort(Comparator.comparingInt(CheckpointRef::step));
    return out;
  }

  /** A committed checkpoint failed verification when loaded: forget it, so the previous one is used. */
  private void dropCorrupt(String prefix, String why) {
    warn("committed checkpoint " + prefix + " failed verification on load and was dropped: " + why);
    committed = new ArrayList<>(committed.stream().filter(c -> !c.prefix().equals(prefix)).toList());
    retained = new ArrayList<>(retained.stream().filter(c -> !c.prefix().equals(prefix)).toList());
    newGeneration();
  }

  /**
   * Training goes back to an older checkpoint (a rollback, or past a bad checkpoint): what follows is written under
   * new keys. Checkpoints are create-if-absent, and the abandoned line's files (kept for inspection) would refuse
   * a retrained step whose bytes differ.
   */
  private void newGeneration() {
    generation++;
  }

  private void warn(String warning) {
    log.warn("{}: {}", request.runId(), warning);
    warnings.add(warning);
    // A memo change is an event of its own in the run's history, so the warning is seen in the Web UI.
    Workflow.upsertMemo(Map.of("kiln.warnings", List.copyOf(warnings)));
  }

  // ---- loss spikes and rollbacks

  private void rollBackFrom(LossAnomaly anomaly, int reachedStep) {
    long spikes = rollbacks.stream().filter(r -> r.anomaly() != null).count();
    if (spikes >= policy.maxRollbacks()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "Training diverged: " + anomaly.reason() + " at step " + anomaly.step() + ", after " + spikes
              + " rollbacks (resilience.maxRollbacks = " + policy.maxRollbacks() + "). Lower training.learningRate,"
              + " raise training.warmupSteps or gradClip, inspect the data around data index " + anomaly.dataIndex()
              + ", or allow more rollbacks.",
          Failures.DIVERGED);
    }
    CheckpointRef to = newestRetained();
    int toStep = to == null ? 0 : to.step();
    DataSkip skip = new DataSkip(DataSkip.dataIndex(toStep, skips), anomaly.dataIndex() + 1,
        anomaly.reason() + " at step " + anomaly.step());
    skips.add(skip);
    newGeneration();
    rollbacks.add(new Rollback(anomaly, anomaly.step(), toStep, skip, anomaly.reason()));
    long now = Workflow.currentTimeMillis();
    interruptions.add(new Interruption(Double.isFinite(anomaly.loss()) ? "loss spike" : "non-finite loss", now, 0, anomaly.step(), toStep, anomaly.step() - toStep, -1));
    resumes.add(toStep);
    warn("rolled back from step " + anomaly.step() + " (" + anomaly.reason() + ") to committed step " + toStep
        + ", skipping data [" + skip.from() + ", " + skip.to() + ")");
  }

  private void truncateAfter(int step) {
    committed = new ArrayList<>(committed.stream().filter(c -> c.step() <= step).toList());
    retained = new ArrayList<>(retained.stream().filter(c -> c.step() <= step).toList());
  }

  private void markResumed(long firstStepEpochMillis) {
    for (int i = 0; i < interruptions.size(); i++) {
      if (!interruptions.get(i).resumed()) {
        interruptions.set(i, interruptions.get(i).resumedAt(firstStepEpochMillis));
      }
    }
  }

  // ---- operator control (updates)

  private enum Kind { PAUSE, RESUME, ROLLBACK, SKIP, LEARNING_RATE }

  private static final class Control {
    final Kind kind;
    final long a;
    final long b;
    final double value;
    ControlResult result;

    Control(Kind kind, long a, long b, double value) {
      this.kind = kind;
      this.a = a;
      this.b = b;
      this.value = value;
    }
  }

  private ControlResult submit(Control control, boolean interruptsTraining) {
    controls.add(control);
    // A segment whose result arrived in this workflow task is over: there is nothing to stop, and a cancel
    // request for a closed activity is a command the server may refuse.
    if (interruptsTraining && runningSegment != null && !runningResult.isCompleted()) {
      runningSegment.cancel(); // the activity writes a checkpoint of where it is and returns
    }
    Workflow.await(() -> control.result != null);
    return control.result;
  }

  /** Applies queued controls at a segment boundary, in the order they were accepted. */
  private void applyControls() {
    while (!controls.isEmpty()) {
      Control c = controls.poll();
      int step = committedStep();
      long now = Workflow.currentTimeMillis();
      switch (c.kind) {
        case PAUSE -> {
          if (!paused) {
            paused = true;
            pausedSince = now;
          }
          c.result = new ControlResult("paused at step " + step + " (checkpoint committed)", step);
        }
        case RESUME -> {
          if (paused) {
            paused = false;
            pausedMillis += now - pausedSince;
          }
          c.result = new ControlResult("resumed at step " + step, step);
        }
        case ROLLBACK -> {
          int to = (int) c.a;
          if (retained.stream().noneMatch(r -> r.step() == to)) {
            c.result = new ControlResult("not rolled back: checkpoint " + to + " is no longer stored; stored: "
                + retainedSteps(), step);
          } else {
            truncateAfter(to);
            newGeneration();
            rollbacks.add(new Rollback(null, step, to, null, "operator"));
            resumes.add(to);
            warn("operator rolled back from step " + step + " to committed step " + to);
            c.result = new ControlResult("rolled back from step " + step + " to step " + to, to);
          }
        }
        case SKIP -> {
          long cursor = DataSkip.dataIndex(step, skips);
          long from = Math.max(c.a, cursor);
          if (from >= c.b) {
            c.result = new ControlResult("nothing to skip: data before index " + cursor + " was already trained on", step);
          } else {
            skips.add(new DataSkip(from, c.b, "operator at step " + step));
            c.result = new ControlResult("skipping data [" + from + ", " + c.b + ") from step " + step, step);
          }
        }
        case LEARNING_RATE -> {
          learningRates.add(new LearningRateOverride(step, c.value));
          c.result = new ControlResult("learning rate " + c.value + " from step " + step, step);
        }
      }
    }
  }

  @Override
  public ControlResult pause(String reason) {
    return submit(new Control(Kind.PAUSE, 0, 0, 0), true);
  }

  @Override
  public void validatePause(String reason) {
    requireRunning("pause");
    if (paused) {
      throw new IllegalStateException("training is already paused; resume it with `kiln resume`");
    }
  }

  @Override
  public ControlResult resume() {
    return submit(new Control(Kind.RESUME, 0, 0, 0), false);
  }

  @Override
  public void validateResume() {
    requireRunning("resume");
    if (!paused) {
      throw new IllegalStateException("training is not paused");
    }
  }

  @Override
  public ControlResult rollback(int step) {
    return submit(new Control(Kind.ROLLBACK, step, 0, 0), true);
  }

  @Override
  public void validateRollback(int step) {
    requireRunning("roll back");
    if (retained.stream().noneMatch(r -> r.step() == step)) {
      throw new IllegalArgumentException(
          "step " + step + " is not a committed checkpoint that is still stored; choose one of " + retainedSteps());
    }
  }

  @Override
  public ControlResult skipData(long from, long to) {
    return submit(new Control(Kind.SKIP, from, to, 0), true);
  }

  @Override
  public void validateSkipData(long from, long to) {
    requireRunning("skip data");
    if (from < 0 || to <= from) {
      throw new IllegalArgumentException("a data range needs 0 <= from < to, got [" + from + ", " + to + ")");
    }
    long cursor = DataSkip.dataIndex(committedStep(), skips);
    if (to <= cursor) {
      throw new IllegalArgumentException(
          "data before index " + cursor + " was already trained on; give a range that ends after it");
    }
  }

  @Override
  public ControlResult setLearningRate(double learningRate) {
    return submit(new Control(Kind.LEARNING_RATE, 0, 0, learningRate), true);
  }

  @Override
  public void validateSetLearningRate(double learningRate) {
    requireRunning("set the learning rate");
    if (!(learningRate > 0 && learningRate <= 1)) {
      throw new IllegalArgumentException("a learning rate must be in (0, 1], got " + learningRate);
    }
  }

  private void requireRunning(String what) {
    if (done || request == null) {
      throw new IllegalStateException("cannot " + what + ": training is " + (done ? "finished" : "not started"));
    }
  }

  // ---- state, progress and result

  private int committedStep() {
    return committed.isEmpty() ? 0 : committed.get(committed.size() - 1).step();
  }

  private CheckpointRef newestRetained() {
    return retained.isEmpty() ? null : retained.get(retained.size() - 1);
  }

  private List<Integer> retainedSteps() {
    return retained.stream().map(CheckpointRef::step).toList();
  }

  private double goodput() {
    long wall = wallMillis();
    return wall <= 0 ? 0 : Math.min(1.0, productiveNanos / 1e6 / wall);
  }

  private long wallMillis() {
    long pausing = paused ? Workflow.currentTimeMillis() - pausedSince : 0;
    return Workflow.currentTimeMillis() - startedEpochMillis - pausedMillis - pausing;
  }

  private void publishProgress() {
    CheckpointRef last = committed.isEmpty() ? null : committed.get(committed.size() - 1);
    if (last == null) {
      return;
    }
    Workflow.upsertTypedSearchAttributes(
        KilnSearchAttributes.STEP.valueSet((long) last.step()),
        KilnSearchAttributes.TOKENS_SEEN.valueSet(last.step() * config.tokensPerStep()),
        KilnSearchAttributes.LOSS.valueSet(last.trainLoss()),
        KilnSearchAttributes.GOODPUT.valueSet(goodput()));
  }

  private boolean shouldContinueAsNew() {
    return controls.isEmpty()
        && (Workflow.getInfo().getHistoryLength() >= policy.continueAsNewAfterEvents()
            || Workflow.getInfo().isContinueAsNewSuggested());
  }

  private void restore(TrainingState s) {
    if (s == null) {
      startedEpochMillis = Workflow.currentTimeMillis();
      return;
    }
    committed = new ArrayList<>(s.committed());
    retained = new ArrayList<>(s.retained());
    generation = s.generation();
    skips.addAll(s.skips());
    learningRates.addAll(s.learningRates());
    interruptions.addAll(s.interruptions());
    rollbacks.addAll(s.rollbacks());
    warnings.addAll(s.warnings());
    resumes.addAll(s.resumes());
    productiveNanos = s.productiveNanos();
    trainNanos = s.trainNanos();
    tokensTrained = s.tokensTrained();
    stallNanos = s.stallNanos();
    uploadedBytes = s.uploadedBytes();
    uploadNanos = s.uploadNanos();
    startedEpochMillis = s.startedEpochMillis();
    pausedMillis = s.pausedMillis();
    segments = s.segments();
    continuedAsNew = s.continuedAsNew();
    historyEventsBefore = s.historyEvents();
  }

  private TrainingState state() {
    return new TrainingState(
        List.copyOf(committed), List.copyOf(retained), generation, List.copyOf(skips), List.copyOf(learningRates),
        List.copyOf(interruptions), List.copyOf(rollbacks), List.copyOf(warnings), List.copyOf(resumes),
        productiveNanos, trainNanos, tokensTrained, stallNanos, uploadedBytes, uploadNanos, startedEpochMillis,
        pausedMillis, segments, continuedAsNew + 1, historyEventsBefore + Workflow.getInfo().getHistoryLength());
  }

  private TrainingResult result() {
    CheckpointRef last = committed.get(committed.size() - 1);
    long tokensSeen = (long) config.steps() * config.tokensPerStep();
    double tokensPerSecond = trainNanos == 0 ? 0 : tokensTrained / (trainNanos / 1e9);
    double stall = trainNanos == 0 ? 0 : (double) stallNanos / trainNanos;
    double megabytesPerSecond = uploadNanos == 0 ? 0 : uploadedBytes / 1e6 / (uploadNanos / 1e9);
    return new TrainingResult(
        last, List.copyOf(committed), List.copyOf(resumes), config.shape().parameters(), tokensSeen, tokensPerSecond,
        trainNanos, List.copyOf(interruptions), List.copyOf(rollbacks), List.copyOf(warnings), goodput(), wallMillis(),
        stall, megabytesPerSecond, historyEventsBefore + Workflow.getInfo().getHistoryLength(), continuedAsNew);
  }

  @Override
  public TrainingProgress progress() {
    CheckpointRef last = committed.isEmpty() ? null : committed.get(committed.size() - 1);
    int step = committedStep();
    double secondsPerStep = tokensTrained == 0 ? Double.NaN : trainNanos / 1e9 / (tokensTrained / (double) config.tokensPerStep());
    return new TrainingProgress(
        done ? "done" : paused ? "paused" : "training", step, config == null ? 0 : config.steps(),
        last == null ? Double.NaN : last.trainLoss(), last, step * (config == null ? 0 : config.tokensPerStep()),
        DataSkip.dataIndex(step, skips), config == null ? Double.NaN : (config.steps() - step) * secondsPerStep,
        startedEpochMillis == 0 ? 0 : goodput(), retainedSteps(), List.copyOf(interruptions), List.copyOf(rollbacks),
        List.copyOf(skips), List.copyOf(learningRates), List.copyOf(warnings));
  }
}
