package dev.kiln.workflows.ladder;

import dev.kiln.workflows.ActivityPolicies;
import dev.kiln.workflows.ActivitySummaries;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.KilnSearchAttributes;
import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.curation.CurationRequest;
import dev.kiln.workflows.curation.CurationResult;
import dev.kiln.workflows.curation.CurationWorkflow;
import dev.kiln.workflows.hub.ModelSelection;
import dev.kiln.workflows.pretraining.PretrainingWorkflowImpl;
import dev.kiln.workflows.spec.InvalidRunSpecException;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.spec.SpecProblem;
import dev.kiln.workflows.training.TrainingConfig;
import dev.kiln.workflows.training.TrainingRequest;
import dev.kiln.workflows.training.TrainingResult;
import dev.kiln.workflows.training.TrainingWorkflow;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.common.SearchAttributes;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Orchestrates a ladder (see {@link LadderWorkflow}). Each rung's training is a {@link TrainingWorkflow} child, as a
 * run's pretraining is, so it checkpoints, resumes after a lost worker and takes the same operator controls
 * ({@code kiln pause <ladder>-<rung>-train}). A rung whose training workflow fails (diverged, out of rollbacks) or is
 * terminated is started again as a new training workflow, up to {@code maxRungAttempts}; the other rungs are not
 * touched. The ladder fails only if too few rungs finished for the fit.
 */
public class LadderWorkflowImpl implements LadderWorkflow {
  private static final Logger log = Workflow.getLogger(LadderWorkflowImpl.class);

  private String stage = "plan";
  private String curationWorkflowId;
  private final Map<String, RungStatus> status = new LinkedHashMap<>();
  private int running;

  @Override
  public LadderSummary run(LadderSpec spec) {
    String ladderId = Workflow.getInfo().getWorkflowId();
    // Recorded, as a run records its verdict: the rules grow, and a replay must keep the one the ladder started with.
    List<SpecProblem> problems = List.of(Workflow.sideEffect(SpecProblem[].class,
        () -> LadderValidator.validate(spec).toArray(SpecProblem[]::new)));
    if (!problems.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(
          new InvalidRunSpecException("(ladder " + ladderId + ")", problems).getMessage(), Failures.INVALID_RUN_SPEC);
    }
    Workflow.upsertTypedSearchAttributes(KilnSearchAttributes.LADDER.valueSet(ladderId));
    enter("plan");
    LadderPlan plan = ActivitySummaries.stub(LadderActivities.class, ActivityPolicies.DECISION,
        "plan the ladder: " + (spec.isoFlop()
            ? spec.budgets().size() + " budgets x " + spec.sizes().size() + " sizes"
            : spec.points().size() + " points")).plan(spec);
    for (LadderRung rung : plan.rungs()) {
      status.put(rung.name(), new RungStatus(rung.name(), rung.budget(), rung.parameters(), rung.tokens(), "planned", 0,
          null, Double.NaN, null));
    }
    RunSpec run = spec.run();

    enter("curate");
    curationWorkflowId = ladderId + "-curate";
    CurationWorkflow curate = Workflow.newChildWorkflowStub(CurationWorkflow.class,
        childOptions(curationWorkflowId, "curate " + String.join(" ", run.data().rawPrefixes()) + " once for "
            + plan.rungs().size() + " rungs", null));
    CurationResult curation = curate.curate(new CurationRequest(ladderId, run, null, null));

    enter("train");
    List<Promise<RungResult>> results = new ArrayList<>();
    for (LadderRung rung : plan.rungs()) {
      Workflow.await(() -> running < spec.maxConcurrentRungs());
      running++;
      results.add(Async.function(this::rung, ladderId, spec, rung, curation));
    }
    Promise.allOf(results).get(); // a rung that failed every attempt returns null; cancellation throws

    List<RungResult> done = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    for (int i = 0; i < results.size(); i++) {
      RungResult r = results.get(i).get();
      if (r != null) {
        done.add(r);
      } else {
        RungStatus s = status.get(plan.rungs().get(i).name());
        failed.add(s.rung() + ": " + s.failure());
      }
    }
    String tooFew = tooFewForTheFit(spec, plan, done);
    if (tooFew != null) {
      enter("failed");
      throw ApplicationFailure.newNonRetryableFailure(tooFew + "; failed rungs: " + String.join("; ", failed),
          "LadderRungsFailed");
    }

    enter("report");
    LadderReport report = ActivitySummaries.stub(LadderActivities.class, ActivityPolicies.EVALUATION,
            "fit scaling laws to " + done.size() + " rungs and write the report")
        .fitAndReport(new LadderActivities.LadderReportRequest(ladderId, spec,
            done.stream().map(r -> LadderSpec.rungKey(ladderId, r.rung())).toList(), failed));
    enter("done");
    Workflow.setCurrentDetails(details() + "\n\n" + report.summary());
    return new LadderSummary(ladderId, curation.manifestKey(), done, failed, report);
  }

  /** Trains and measures one rung, starting it again alone after a failed attempt; null once every attempt failed. */
  private RungResult rung(String ladderId, LadderSpec spec, LadderRung rung, CurationResult curation) {
    try {
      RunSpec run = spec.run();
      TrainingConfig config = PretrainingWorkflowImpl.trainingConfig(run, rung.plan(), SCRATCH, curation);
      for (int attempt = 1; attempt <= spec.maxRungAttempts(); attempt++) {
        String runId = ladderId + "-" + rung.name() + (attempt == 1 ? "" : "-a" + attempt);
        String workflowId = runId + "-train";
        update(rung.name(), s -> withState(s, "training", s.attempts() + 1, workflowId, s.failure()));
        TrainingWorkflow train = Workflow.newChildWorkflowStub(TrainingWorkflow.class, childOptions(workflowId,
            summary(rung, config) + (attempt == 1 ? "" : " (attempt " + attempt + ")"), rungAttributes(ladderId, rung)));
        TrainingResult training;
        try {
          training = train.train(new TrainingRequest(runId, config, run.training().segmentSteps(),
              run.resilienceOrDefaults(), null));
        } catch (ChildWorkflowFailure failure) {
          if (CancellationScope.current().isCancelRequested() || failure.getCause() instanceof CanceledFailure) {
            throw failure;
          }
          String why = message(failure);
          log.warn("ladder {}: rung {} attempt {} failed: {}", ladderId, rung.name(), attempt, why);
          update(rung.name(), s -> withState(s, "failed", s.attempts(), s.trainingWorkflowId(), why));
          continue;
        }
        int attempts = attempt;
        update(rung.name(), s -> withState(s, "measuring", s.attempts(), s.trainingWorkflowId(), s.failure()));
        RungResult result;
        try {
          result = ActivitySummaries.stub(LadderActivities.class, ActivityPolicies.RUNG_MEASUREMENT,
                  "measure rung " + rung.name() + ": held-out loss, peak memory")
              .measureRung(new LadderActivities.RungRequest(ladderId, rung, config, training,
                  run.evaluation().maxHeldOutTokens(), workflowId, attempts));
        } catch (ActivityFailure failure) {
          if (CancellationScope.current().isCancelRequested() || failure.getCause() instanceof CanceledFailure) {
            throw failure;
          }
          // transient faults are retried by the activity's policy; this one cannot be: the rung is lost, not the ladder
          String why = "measuring its trained model failed: " + message(failure);
          update(rung.name(), s -> withState(s, "failed", s.attempts(), s.trainingWorkflowId(), why));
          return null;
        }
        status.put(rung.name(), new RungStatus(rung.name(), rung.budget(), result.parameters(), result.tokens(), "done",
            attempts, workflowId, result.loss(), status.get(rung.name()).failure()));
        Workflow.setCurrentDetails(details());
        return result;
      }
      return null;
    } finally {
      running--;
    }
  }

  private static final ModelSelection SCRATCH =
      new ModelSelection("scratch", null, "every rung of a ladder trains from scratch", null, null, null);

  /** Null when enough rungs finished for the fits the ladder was planned for, else why not. */
  private static String tooFewForTheFit(LadderSpec spec, LadderPlan plan, List<RungResult> done) {
    if (spec.isoFlop()) {
      long budgetsWithEnough = done.stream()
          .collect(java.util.stream.Collectors.groupingBy(RungResult::budget, java.util.stream.Collectors.counting()))
          .values().stream().filter(n -> n >= LadderValidator.MIN_SIZES_PER_BUDGET).count();
      return budgetsWithEnough >= LadderValidator.MIN_BUDGETS ? null
          : "only " + done.size() + " of " + plan.rungs().size() + " rungs finished, leaving " + budgetsWithEnough
              + " budget(s) with " + LadderValidator.MIN_SIZES_PER_BUDGET + " sizes; the IsoFLOP fit needs "
              + LadderValidator.MIN_BUDGETS;
    }
    return done.size() >= LadderValidator.MIN_POINTS ? null
        : "only " + done.size() + " of " + plan.rungs().size() + " rungs finished; the parametric fit needs "
            + LadderValidator.MIN_POINTS;
  }

  /** The rung's static summary in the Web UI: budget, N, D and steps. */
  static String summary(LadderRung rung, TrainingConfig config) {
    return String.format(Locale.ROOT, "rung %s: %sN=%,d (d_model %d, %d layers), D=%,d tokens, %d steps",
        rung.name(), rung.budget() > 0 ? String.format(Locale.ROOT, "C=%.3g FLOPs, ", rung.budget()) : "",
        rung.parameters(), config.shape().dModel(), config.shape().layers(), rung.tokens(), config.steps());
  }

  private static SearchAttributes rungAttributes(String ladderId, LadderRung rung) {
    return SearchAttributes.newBuilder()
        .set(KilnSearchAttributes.LADDER, ladderId)
        .set(KilnSearchAttributes.STAGE, "ladder-rung")
        .set(KilnSearchAttributes.BUDGET, rung.budget())
        .set(KilnSearchAttributes.PARAMETERS, rung.parameters())
        .set(KilnSearchAttributes.ARCHITECTURE, rung.plan().architecture().id())
        .set(KilnSearchAttributes.OBJECTIVE, rung.plan().objective().id())
        .build();
  }

  private static String message(TemporalFailure failure) {
    Throwable cause = failure;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause instanceof ApplicationFailure app ? app.getOriginalMessage()
        : cause instanceof TemporalFailure t ? t.getOriginalMessage() : String.valueOf(cause.getMessage());
  }

  private void update(String rung, java.util.function.UnaryOperator<RungStatus> change) {
    status.put(rung, change.apply(status.get(rung)));
    Workflow.setCurrentDetails(details());
  }

  private static RungStatus withState(RungStatus s, String state, int attempts, String workflowId, String failure) {
    return new RungStatus(s.rung(), s.budget(), s.parameters(), s.tokens(), state, attempts, workflowId, s.loss(), failure);
  }

  /** The Web UI's current details: the stage and a line per rung (budget, N, D, state, loss). */
  private String details() {
    StringBuilder b = new StringBuilder("stage: ").append(stage).append("\n");
    b.append(String.format(Locale.ROOT, "%-16s %10s %12s %12s %-10s %8s%n", "rung", "C", "N", "D", "state", "loss"));
    for (RungStatus s : status.values()) {
      b.append(String.format(Locale.ROOT, "%-16s %10s %,12d %,12d %-10s %8s%n", s.rung(),
          s.budget() > 0 ? String.format(Locale.ROOT, "%.3g", s.budget()) : "-", s.parameters(), s.tokens(),
          s.state() + (s.attempts() > 1 ? "(" + s.attempts() + ")" : ""),
          Double.isNaN(s.loss()) ? "" : String.format(Locale.ROOT, "%.4f", s.loss())));
    }
    return b.toString();
  }

  private ChildWorkflowOptions childOptions(String workflowId, String summary, SearchAttributes attributes) {
    ChildWorkflowOptions.Builder b = ChildWorkflowOptions.newBuilder()
        .setWorkflowId(workflowId)
        .setStaticSummary(summary)
        .setTaskQueue(TaskQueues.CPU)
        .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE);
    if (attributes != null) {
      b.setTypedSearchAttributes(attributes);
    }
    return b.build();
  }

  private void enter(String next) {
    stage = next;
    Workflow.upsertTypedSearchAttributes(KilnSearchAttributes.STAGE.valueSet("ladder-" + next));
    Workflow.setCurrentDetails(details());
  }

  @Override
  public LadderProgress progress() {
    return new LadderProgress(stage, curationWorkflowId, new ArrayList<>(status.values()));
  }
}
