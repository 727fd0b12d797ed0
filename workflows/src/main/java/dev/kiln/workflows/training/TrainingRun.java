package dev.kiln.workflows.training;

import dev.kiln.workflows.Failures;
import dev.kiln.workflows.training.TrainingWorkflow.CheckpointReport;
import dev.kiln.workflows.training.TrainingWorkflow.ControlResult;
import dev.kiln.workflows.training.TrainingWorkflow.TrainingProgress;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The state of a training run and its transitions, without Temporal: committed checkpoints, generations, the
 * segment running, rollbacks, skips, the operator's controls and the goodput ledger. Every transition returns a
 * new run and leaves this one as it was; time comes in as an argument. {@link TrainingWorkflowImpl} turns the
 * decisions into activities, timers and continue-as-new; what crosses continue-as-new is {@link #toState}.
 *
 * <p>A warning a transition adds is the driver's to publish (it upserts the memo once per new warning, in order).
 */
public final class TrainingRun {
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  // What a run carries is bounded however long it trains (see docs/training.md, "State that stays bounded"): the
  // newest entries of each list, the counts of all of them in LedgerTotals, the loss curve thinned in LossCurve.
  static final int RECENT_COMMITTED = 32;
  static final int RECENT_INTERRUPTIONS = 32;
  static final int RECENT_ROLLBACKS = 16;
  static final int RECENT_WARNINGS = 20;
  static final int RECENT_RESUMES = 32;
  /**
   * Retained checkpoints carried, newest first (pinned rollback targets always): older retained milestones stay in
   * storage, where retention never deletes them, but are no longer rollback targets.
   */
  public static final int MILESTONES_CARRIED = 64;
  /** Operator skips and learning-rate changes a run takes; each is an input of every later step, so all are kept. */
  static final int MAX_OPERATOR_CHANGES = 100;

  /** An operator's control, accepted and waiting for a segment boundary. */
  public sealed interface Control permits Pause, Resume, RollBack, SkipData, SetLearningRate {
    /** Whether accepting it stops the running segment (at a checkpoint of where it is). */
    boolean interruptsTraining();
  }

  public record Pause(String reason) implements Control {
    @Override public boolean interruptsTraining() { return true; }
  }

  public record Resume() implements Control {
    @Override public boolean interruptsTraining() { return false; }
  }

  public record RollBack(int step) implements Control {
    @Override public boolean interruptsTraining() { return true; }
  }

  public record SkipData(long from, long to) implements Control {
    @Override public boolean interruptsTraining() { return true; }
  }

  public record SetLearningRate(double learningRate) implements Control {
    @Override public boolean interruptsTraining() { return true; }
  }

  // The durable record (see TrainingState).
  private List<CheckpointRef> committed = new ArrayList<>();
  private List<CheckpointRef> retained = new ArrayList<>();
  private int generation;
  private List<DataSkip> skips = new ArrayList<>();
  private List<LearningRateOverride> learningRates = new ArrayList<>();
  private List<Interruption> interruptions = new ArrayList<>();
  private List<Rollback> rollbacks = new ArrayList<>();
  private List<String> warnings = new ArrayList<>();
  private List<Integer> resumes = new ArrayList<>();
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
  private LossCurve lossCurve = LossCurve.empty();
  private LedgerTotals totals = LedgerTotals.NONE;

  // Operator control.
  private List<Control> pending = new ArrayList<>();
  private boolean paused;
  private long pausedSince;
  private boolean done;
  private int failuresWithoutProgress;

  // Checkpoints the running segment reported durable (checkpointDurable), not yet verified.
  private int segmentNumber;
  private List<CheckpointRef> reported = new ArrayList<>();
  private boolean takesReports;

  private TrainingRun() {}

  private TrainingRun copy() {
    TrainingRun n = new TrainingRun();
    n.committed = new ArrayList<>(committed);
    n.retained = new ArrayList<>(retained);
    n.generation = generation;
    n.skips = new ArrayList<>(skips);
    n.learningRates = new ArrayList<>(learningRates);
    n.interruptions = new ArrayList<>(interruptions);
    n.rollbacks = new ArrayList<>(rollbacks);
    n.warnings = new ArrayList<>(warnings);
    n.resumes = new ArrayList<>(resumes);
    n.productiveNanos = productiveNanos;
    n.trainNanos = trainNanos;
    n.tokensTrained = tokensTrained;
    n.stallNanos = stallNanos;
    n.uploadedBytes = uploadedBytes;
    n.uploadNanos = uploadNanos;
    n.startedEpochMillis = startedEpochMillis;
    n.pausedMillis = pausedMillis;
    n.segments = segments;
    n.continuedAsNew = continuedAsNew;
    n.historyEventsBefore = historyEventsBefore;
    n.lossCurve = lossCurve;
    n.totals = totals;
    n.pending = new ArrayList<>(pending);
    n.paused = paused;
    n.pausedSince = pausedSince;
    n.done = done;
    n.failuresWithoutProgress = failuresWithoutProgress;
    n.segmentNumber = segmentNumber;
    n.reported = new ArrayList<>(reported);
    n.takesReports = takesReports;
    return n;
  }

  /** Nothing yet: what {@link TrainingWorkflow#progress} shows before training started. */
  public static TrainingRun empty() {
    return new TrainingRun();
  }

  /** A run starting at {@code now}, or continuing from a previous run's record ({@code state} null at the start). */
  public static TrainingRun start(TrainingState s, long now) {
    TrainingRun n = new TrainingRun();
    if (s == null) {
      n.startedEpochMillis = now;
      return n;
    }
    n.committed = new ArrayList<>(s.committed());
    n.retained = new ArrayList<>(s.retained());
    n.generation = s.generation();
    n.skips.addAll(s.skips());
    n.learningRates.addAll(s.learningRates());
    n.interruptions.addAll(s.interruptions());
    n.rollbacks.addAll(s.rollbacks());
    n.warnings.addAll(s.warnings());
    n.resumes.addAll(s.resumes());
    n.productiveNanos = s.productiveNanos();
    n.trainNanos = s.trainNanos();
    n.tokensTrained = s.tokensTrained();
    n.stallNanos = s.stallNanos();
    n.uploadedBytes = s.uploadedBytes();
    n.uploadNanos = s.uploadNanos();
    n.startedEpochMillis = s.startedEpochMillis();
    n.pausedMillis = s.pausedMillis();
    n.segments = s.segments();
    n.continuedAsNew = s.continuedAsNew();
    n.historyEventsBefore = s.historyEvents();
    // A record from before the curve and totals were carried has complete lists to derive them from.
    n.lossCurve = s.lossCurve() != null ? s.lossCurve() : LossCurve.of(s.committed());
    n.totals = s.totals() != null ? s.totals() : LedgerTotals.of(s.interruptions(), s.rollbacks(), s.warnings(), s.resumes());
    n.bound();
    return n;
  }

  /** The record the next run continues from, this run's history having {@code historyLength} events. */
  public TrainingState toState(long historyLength) {
    return new TrainingState(
        List.copyOf(committed), List.copyOf(retained), generation, List.copyOf(skips), List.copyOf(learningRates),
        List.copyOf(interruptions), List.copyOf(rollbacks), List.copyOf(warnings), List.copyOf(resumes),
        productiveNanos, trainNanos, tokensTrained, stallNanos, uploadedBytes, uploadNanos, startedEpochMillis,
        pausedMillis, segments, continuedAsNew + 1, historyEventsBefore + historyLength, lossCurve, totals);
  }

  /** Cuts every carried list to its newest entries (see {@link #RECENT_COMMITTED} and the others). */
  private void bound() {
    committed = newest(committed, RECENT_COMMITTED);
    interruptions = newest(interruptions, RECENT_INTERRUPTIONS);
    rollbacks = newest(rollbacks, RECENT_ROLLBACKS);
    warnings = newest(warnings, RECENT_WARNINGS);
    resumes = newest(resumes, RECENT_RESUMES);
    List<String> pinned = pinned();
    int excess = retained.size() - MILESTONES_CARRIED;
    if (excess > 0) {
      List<CheckpointRef> kept = new ArrayList<>();
      int dropped = 0;
      for (CheckpointRef ref : retained) {
        if (dropped < excess && !pinned.contains(ref.prefix())) {
          dropped++;
        } else {
          kept.add(ref);
        }
      }
      retained = kept;
      totals = totals.forgot(dropped);
    }
  }

  private static <T> List<T> newest(List<T> list, int n) {
    return list.size() <= n ? list : new ArrayList<>(list.subList(list.size() - n, list.size()));
  }

  private void warn(String warning) {
    warnings.add(warning);
    totals = totals.warned();
    warnings = newest(warnings, RECENT_WARNINGS);
  }

  private void interrupted(Interruption interruption, int resumedFrom) {
    interruptions.add(interruption);
    totals = totals.interrupted(interruption.stepsLost());
    interruptions = newest(interruptions, RECENT_INTERRUPTIONS);
    resumedFrom(resumedFrom);
  }

  private void resumedFrom(int step) {
    resumes.add(step);
    totals = totals.resumed();
    resumes = newest(resumes, RECENT_RESUMES);
  }

  private void rolledBack(Rollback rollback) {
    rollbacks.add(rollback);
    totals = totals.rolledBack(rollback.anomaly() != null);
    rollbacks = newest(rollbacks, RECENT_ROLLBACKS);
  }

  // ---- reading

  public int committedStep() {
    return committed.isEmpty() ? 0 : committed.get(committed.size() - 1).step();
  }

  /** The newest committed checkpoint, or null. */
  public CheckpointRef lastCommitted() {
    return committed.isEmpty() ? null : committed.get(committed.size() - 1);
  }

  /** The checkpoint the next segment resumes from, or null (from scratch). */
  public CheckpointRef newestRetained() {
    return retained.isEmpty() ? null : retained.get(retained.size() - 1);
  }

  public List<Integer> retainedSteps() {
    return retained.stream().map(CheckpointRef::step).toList();
  }

  public List<CheckpointRef> committed() { return List.copyOf(committed); }
  public List<CheckpointRef> retained() { return List.copyOf(retained); }
  public int generation() { return generation; }
  public List<DataSkip> skips() { return List.copyOf(skips); }
  public List<LearningRateOverride> learningRates() { return List.copyOf(learningRates); }
  public List<Interruption> interruptions() { return List.copyOf(interruptions); }
  public List<Rollback> rollbacks() { return List.copyOf(rollbacks); }
  public List<String> warnings() { return List.copyOf(warnings); }
  public List<Integer> resumes() { return List.copyOf(resumes); }
  public long productiveNanos() { return productiveNanos; }
  public long trainNanos() { return trainNanos; }
  public long tokensTrained() { return tokensTrained; }
  public int segments() { return segments; }
  public int continuedAsNew() { return continuedAsNew; }
  public long historyEventsBefore() { return historyEventsBefore; }
  public LossCurve lossCurve() { return lossCurve; }
  public LedgerTotals totals() { return totals; }
  public List<Control> pending() { return List.copyOf(pending); }
  public boolean paused() { return paused; }
  public boolean done() { return done; }
  public int failuresWithoutProgress() { return failuresWithoutProgress; }
  public int segmentNumber() { return segmentNumber; }
  public List<CheckpointRef> reported() { return List.copyOf(reported); }
  public boolean takesReports() { return takesReports; }

  public double goodput(long now) {
    long wall = wallMillis(now);
    return wall <= 0 ? 0 : Math.min(1.0, productiveNanos / 1e6 / wall);
  }

  public long wallMillis(long now) {
    long pausing = paused ? now - pausedSince : 0;
    return now - startedEpochMillis - pausedMillis - pausing;
  }

  // ---- segments

  /** A segment to run next and the run with it started (its reports taken from now on). */
  public record Started(TrainingRun run, SegmentRequest segment, int start, int end, int before) {}

  public Started startSegment(String runId, TrainingConfig config, int segmentSteps, dev.kiln.workflows.spec.RunSpec.Resilience policy) {
    TrainingRun n = copy();
    CheckpointRef from = newestRetained();
    int start = from == null ? 0 : from.step();
    int end = Math.min(start + segmentSteps, config.steps());
    int before = committedStep();
    SegmentRequest segment = new SegmentRequest(
        runId, config, from, end, generation, List.copyOf(skips), List.copyOf(learningRates),
        policy.lossSpikeFactor(), policy.lossSpikeWindow(), policy.asyncCheckpoints(), policy.segmentSeconds(),
        ++n.segmentNumber);
    n.reported.clear();
    n.takesReports = true;
    return new Started(n, segment, start, end, before);
  }

  /** A checkpointDurable report: kept only from the running segment, while it takes reports. */
  public TrainingRun onReport(CheckpointReport report) {
    if (!(takesReports && report.segment() == segmentNumber && report.checkpoints() != null)) {
      return this;
    }
    TrainingRun n = copy();
    n.reported.addAll(report.checkpoints());
    return n;
  }

  /** Whether reports wait to be committed while the segment runs (not while the run is being cancelled). */
  public boolean hasReportsToCommit(boolean cancelRequested) {
    return takesReports && !reported.isEmpty() && !cancelRequested;
  }

  /** No more reports are taken from the running segment (it ended, or one failed verification). */
  public TrainingRun stopReports() {
    TrainingRun n = copy();
    n.takesReports = false;
    return n;
  }

  /** The reports taken so far are handed to a commit (see {@link #reported}). */
  public TrainingRun clearReported() {
    TrainingRun n = copy();
    n.reported.clear();
    return n;
  }

  /**
   * A segment came back, before its checkpoints are committed: count its time.
   */
  public TrainingRun onSegmentResult(SegmentResult result, long tokensPerStep) {
    TrainingRun n = copy();
    n.segments++;
    n.trainNanos += result.trainNanos();
    n.tokensTrained += (long) (result.endStep() - result.resumedFromStep()) * tokensPerStep;
    n.stallNanos += result.stallNanos();
    n.uploadedBytes += result.uploadedBytes();
    n.uploadNanos += result.uploadNanos();
    if (result.firstStepEpochMillis() > 0) {
      n.markResumed(result.firstStepEpochMillis());
    }
    return n;
  }

  /**
   * A segment's checkpoints were committed (see {@link #commitRequest}): count the time of the steps kept, and act
   * on a rejected loss.
   *
   * @param before the committed step when the segment started (checkpoints may have been committed since, from its
   *     reports)
   * @throws ApplicationFailure (non-retryable, {@link Failures#DIVERGED}) past {@code maxRollbacks} loss rollbacks
   */
  public TrainingRun afterSegmentCommit(SegmentResult result, int before, int maxRollbacks, long now) {
    TrainingRun n = copy();
    int kept = n.committedStep() - Math.max(before, result.resumedFromStep());
    int trained = result.endStep() - result.resumedFromStep();
    if (trained > 0 && kept > 0) {
      n.productiveNanos += result.trainNanos() * Math.min(kept, trained) / trained;
    }
    if (n.committedStep() > before) {
      n.failuresWithoutProgress = 0;
    }
    if (result.anomaly() != null) {
      n.rollBackFrom(result.anomaly(), maxRollbacks, now);
    }
    return n;
  }

  /** The candidates to commit after an interruption, and the run before that commit. */
  public record Interrupted(TrainingRun run, List<CheckpointRef> candidates) {}

  /**
   * The segment's activity failed or its worker died, before what it reported is committed.
   *
   * @param corruptPrefix the committed checkpoint that failed verification when loaded, or null
   * @param beat the activity's last heartbeat, or null
   */
  public Interrupted onInterruption(String corruptPrefix, String corruptMessage, TrainingHeartbeat beat) {
    TrainingRun n = copy();
    if (corruptPrefix != null) {
      n.dropCorrupt(corruptPrefix, corruptMessage);
    }
    if (beat != null && beat.firstStepEpochMillis() > 0) {
      n.markResumed(beat.firstStepEpochMillis());
    }
    // Reports not verified yet, and the last heartbeat's checkpoint: commit() verifies them, newest first.
    List<CheckpointRef> candidates = new ArrayList<>(n.reported);
    n.reported.clear();
    if (beat != null && beat.lastCheckpoint() != null && !candidates.contains(beat.lastCheckpoint())) {
      candidates.add(beat.lastCheckpoint());
    }
    return new Interrupted(n, List.copyOf(candidates));
  }

  /** The interruption recorded, and how long to wait before the next segment (null: none). */
  public record Resumption(TrainingRun run, Duration backoff) {}

  /**
   * An interruption's candidates were committed: record it in the ledger, resume from the committed step.
   *
   * @param before the committed step when the segment started
   */
  public Resumption afterInterruptionCommit(String reason, TrainingHeartbeat beat, int start, long scheduledAt,
      int before, long tokensPerStep, long now) {
    TrainingRun n = copy();
    if (beat != null && n.committedStep() > before && beat.tokensPerSecond() > 0) {
      // The steps the dead attempt trained up to its committed checkpoint are kept: productive time.
      int kept = n.committedStep() - Math.max(before, start);
      n.productiveNanos += (long) (kept * tokensPerStep / beat.tokensPerSecond() * 1e9);
    }
    long lastAlive = beat == null ? scheduledAt : beat.epochMillis();
    int lastStep = beat == null ? start : beat.step();
    n.interrupted(new Interruption(reason, lastAlive, Math.max(0, now - lastAlive), lastStep, n.committedStep(),
        Math.max(0, lastStep - n.committedStep()), -1), n.committedStep());
    Duration backoff = null;
    if (n.committedStep() > before) {
      n.failuresWithoutProgress = 0;
    } else if (++n.failuresWithoutProgress > 1) {
      // Nothing moved since the last failure (storage down, no worker): back off like a retry policy would.
      Duration b = Duration.ofSeconds(1L << Math.min(n.failuresWithoutProgress - 2, 5));
      backoff = b.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : b;
    }
    return new Resumption(n, backoff);
  }

  // ---- the checkpoint protocol

  /**
   * What to verify of {@code candidates}: those past the committed step, newest first; null if none is.
   */
  public CheckpointActivities.CommitRequest commitRequest(List<CheckpointRef> candidates, String runId,
      TrainingConfig config, Retention retention) {
    List<CheckpointRef> fresh = candidates.stream()
        .filter(c -> c.step() > committedStep())
        .sorted(Comparator.comparingInt(CheckpointRef::step).reversed())
        .toList();
    if (fresh.isEmpty()) {
      return null;
    }
    return new CheckpointActivities.CommitRequest(
        runId, config.hash(), fresh, List.copyOf(retained), retention, pinned(), generation, config.legacyHash());
  }

  /** Records the candidates that passed as committed, and applies retention; a rejection starts a new generation. */
  public TrainingRun onCommit(CheckpointActivities.CommitResult result, Retention retention) {
    TrainingRun n = copy();
    result.rejected().forEach(n::warn);
    if (!result.rejected().isEmpty()) {
      n.newGeneration();
    }
    n.committed = sortedUnion(n.committed, result.verified());
    n.lossCurve = n.lossCurve.with(result.verified());
    // The activity deleted what this leaves out: the same function of the same list.
    n.retained = new ArrayList<>(retention.afterCommit(n.retained, result.verified(), n.pinned()));
    n.bound();
    return n;
  }

  /** Targets of accepted rollbacks not applied yet: retention must not delete them meanwhile. */
  List<String> pinned() {
    return pending.stream()
        .filter(c -> c instanceof RollBack)
        .flatMap(c -> retained.stream().filter(r -> r.step() == ((RollBack) c).step()))
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
    CheckpointRef newest = newestRetained();
    lossCurve = lossCurve.truncatedAfter(newest == null ? 0 : newest.step());
    restoreNewestCommitted();
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

  // ---- loss spikes and rollbacks

  private void rollBackFrom(LossAnomaly anomaly, int maxRollbacks, long now) {
    long spikes = totals.lossRollbacks();
    if (spikes >= maxRollbacks) {
      throw ApplicationFailure.newNonRetryableFailure(
          "Training diverged: " + anomaly.reason() + " at step " + anomaly.step() + ", after " + spikes
              + " rollbacks (resilience.maxRollbacks = " + maxRollbacks + "). Lower training.learningRate,"
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
    rolledBack(new Rollback(anomaly, anomaly.step(), toStep, skip, anomaly.reason()));
    interrupted(new Interruption(Double.isFinite(anomaly.loss()) ? "loss spike" : "non-finite loss", now, 0,
        anomaly.step(), toStep, anomaly.step() - toStep, -1), toStep);
    warn("rolled back from step " + anomaly.step() + " (" + anomaly.reason() + ") to committed step " + toStep
        + ", skipping data [" + skip.from() + ", " + skip.to() + ")");
  }

  private void truncateAfter(int step) {
    committed = new ArrayList<>(committed.stream().filter(c -> c.step() <= step).toList());
    retained = new ArrayList<>(retained.stream().filter(c -> c.step() <= step).toList());
    lossCurve = lossCurve.truncatedAfter(step);
    restoreNewestCommitted();
  }

  /**
   * The newest retained checkpoint is committed on this line; when only the newest committed ones are carried, a cut
   * back to an older one (a rollback, a corrupt checkpoint) may leave it out of {@link #committed}: put it back.
   */
  private void restoreNewestCommitted() {
    CheckpointRef newest = newestRetained();
    if (newest != null && (committed.isEmpty() || committedStep() < newest.step())) {
      committed = sortedUnion(committed, List.of(newest));
    }
  }

  private void markResumed(long firstStepEpochMillis) {
    for (int i = 0; i < interruptions.size(); i++) {
      if (!interruptions.get(i).resumed()) {
        interruptions.set(i, interruptions.get(i).resumedAt(firstStepEpochMillis));
      }
    }
  }

  // ---- operator control

  /** An accepted control, queued for the next segment boundary. */
  public TrainingRun onControl(Control control) {
    TrainingRun n = copy();
    n.pending.add(control);
    return n;
  }

  /** The oldest queued control applied, and what it did. */
  public record Applied(TrainingRun run, ControlResult result) {}

  /** Applies the oldest queued control (at a segment boundary; there must be one). */
  public Applied applyNextControl(long now) {
    TrainingRun n = copy();
    Control control = n.pending.remove(0);
    int step = n.committedStep();
    ControlResult result;
    if (control instanceof Pause) {
        if (!n.paused) {
          n.paused = true;
          n.pausedSince = now;
        }
        result = new ControlResult("paused at step " + step + " (checkpoint committed)", step);
    } else if (control instanceof Resume) {
        if (n.paused) {
          n.paused = false;
          n.pausedMillis += now - n.pausedSince;
        }
        result = new ControlResult("resumed at step " + step, step);
    } else if (control instanceof RollBack r) {
        int to = r.step();
        if (n.retained.stream().noneMatch(c -> c.step() == to)) {
          result = new ControlResult("not rolled back: checkpoint " + to + " is no longer stored; stored: "
              + n.retainedSteps(), step);
        } else {
          n.truncateAfter(to);
          n.newGeneration();
          n.rolledBack(new Rollback(null, step, to, null, "operator"));
          n.resumedFrom(to);
          n.warn("operator rolled back from step " + step + " to committed step " + to);
          result = new ControlResult("rolled back from step " + step + " to step " + to, to);
        }
    } else if (control instanceof SkipData s) {
        long cursor = DataSkip.dataIndex(step, n.skips);
        long from = Math.max(s.from(), cursor);
        if (from >= s.to()) {
          result = new ControlResult("nothing to skip: data before index " + cursor + " was already trained on", step);
        } else {
          n.skips.add(new DataSkip(from, s.to(), "operator at step " + step));
          result = new ControlResult("skipping data [" + from + ", " + s.to() + ") from step " + step, step);
        }
    } else {
        SetLearningRate lr = (SetLearningRate) control;
        n.learningRates.add(new LearningRateOverride(step, lr.learningRate()));
        result = new ControlResult("learning rate " + lr.learningRate() + " from step " + step, step);
    }
    return new Applied(n, result);
  }

  /** Training reached its last step: the queued controls are dropped (the driver answers them). */
  public TrainingRun finish() {
    TrainingRun n = copy();
    n.done = true;
    n.pending.clear();
    return n;
  }

  /**
   * Rejects a control that cannot be accepted now, with the reason for the operator.
   *
   * @param started whether training started (a run of the workflow exists)
   */
  public void validate(Control control, boolean started) {
    if (control instanceof Pause) {
        requireRunning("pause", started);
        if (paused) {
          throw new IllegalStateException("training is already paused; resume it with `kiln resume`");
        }
    } else if (control instanceof Resume) {
        requireRunning("resume", started);
        if (!paused) {
          throw new IllegalStateException("training is not paused");
        }
    } else if (control instanceof RollBack r) {
        requireRunning("roll back", started);
        if (retained.stream().noneMatch(c -> c.step() == r.step())) {
          throw new IllegalArgumentException(
              "step " + r.step() + " is not a committed checkpoint that is still stored; choose one of " + retainedSteps());
        }
    } else if (control instanceof SkipData s) {
        requireRunning("skip data", started);
        requireRoom("skipped data windows", skips.stream().filter(k -> k.reason().startsWith("operator")).count());
        if (s.from() < 0 || s.to() <= s.from()) {
          throw new IllegalArgumentException("a data range needs 0 <= from < to, got [" + s.from() + ", " + s.to() + ")");
        }
        long cursor = DataSkip.dataIndex(committedStep(), skips);
        if (s.to() <= cursor) {
          throw new IllegalArgumentException(
              "data before index " + cursor + " was already trained on; give a range that ends after it");
        }
    } else if (control instanceof SetLearningRate lr) {
        requireRunning("set the learning rate", started);
        requireRoom("learning-rate changes", learningRates.size());
        if (!(lr.learningRate() > 0 && lr.learningRate() <= 1)) {
          throw new IllegalArgumentException("a learning rate must be in (0, 1], got " + lr.learningRate());
        }
    }
  }

  private static void requireRoom(String what, long taken) {
    if (taken >= MAX_OPERATOR_CHANGES) {
      throw new IllegalStateException("this run already has " + taken + " " + what + ", the most one run takes ("
          + MAX_OPERATOR_CHANGES + "): each stays an input of every later step, so the run carries them all. Put the"
          + " schedule or data you want in the spec and start a new run");
    }
  }

  private void requireRunning(String what, boolean started) {
    if (done || !started) {
      throw new IllegalStateException("cannot " + what + ": training is " + (done ? "finished" : "not started"));
    }
  }

  // ---- progress and result

  /** @param config null before training started */
  public TrainingProgress progress(TrainingConfig config, long now) {
    CheckpointRef last = lastCommitted();
    int step = committedStep();
    double secondsPerStep = tokensTrained == 0 ? Double.NaN : trainNanos / 1e9 / (tokensTrained / (double) config.tokensPerStep());
    return new TrainingProgress(
        done ? "done" : paused ? "paused" : "training", step, config == null ? 0 : config.steps(),
        last == null ? Double.NaN : last.trainLoss(), last, step * (config == null ? 0 : config.tokensPerStep()),
        DataSkip.dataIndex(step, skips), config == null ? Double.NaN : (config.steps() - step) * secondsPerStep,
        startedEpochMillis == 0 ? 0 : goodput(now), retainedSteps(), List.copyOf(interruptions), List.copyOf(rollbacks),
        List.copyOf(skips), List.copyOf(learningRates), List.copyOf(warnings), totals);
  }

  public TrainingResult result(TrainingConfig config, long historyLength, long now) {
    CheckpointRef last = committed.get(committed.size() - 1);
    long tokensSeen = (long) config.steps() * config.tokensPerStep();
    double tokensPerSecond = trainNanos == 0 ? 0 : tokensTrained / (trainNanos / 1e9);
    double stall = trainNanos == 0 ? 0 : (double) stallNanos / trainNanos;
    double megabytesPerSecond = uploadNanos == 0 ? 0 : uploadedBytes / 1e6 / (uploadNanos / 1e9);
    return new TrainingResult(
        last, List.copyOf(committed), List.copyOf(resumes), config.shape().parameters(), tokensSeen, tokensPerSecond,
        trainNanos, List.copyOf(interruptions), List.copyOf(rollbacks), List.copyOf(warnings), goodput(now),
        wallMillis(now), stall, megabytesPerSecond, historyEventsBefore + historyLength, continuedAsNew, lossCurve, totals);
  }
}
