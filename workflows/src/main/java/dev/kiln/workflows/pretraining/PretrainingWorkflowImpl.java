package dev.kiln.workflows.pretraining;

import dev.kiln.workflows.ActivityPolicies;
import dev.kiln.workflows.ActivitySummaries;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.KilnSearchAttributes;
import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.curation.CurationActivities;
import dev.kiln.workflows.curation.CurationRequest;
import dev.kiln.workflows.curation.CurationResult;
import dev.kiln.workflows.curation.CurationWorkflow;
import dev.kiln.workflows.curation.RawSelection;
import dev.kiln.workflows.evaluation.EvaluationActivities;
import dev.kiln.workflows.evaluation.EvaluationRequest;
import dev.kiln.workflows.evaluation.EvaluationResult;
import dev.kiln.workflows.hub.ModelHubActivities;
import dev.kiln.workflows.hub.ModelSelection;
import dev.kiln.workflows.hub.SelectModelRequest;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.scope.ScopeActivities;
import dev.kiln.workflows.scope.ScopePlan;
import dev.kiln.workflows.spec.InvalidRunSpecException;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.spec.RunSpecValidator;
import dev.kiln.workflows.spec.SpecProblem;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import dev.kiln.workflows.training.TrainingRequest;
import dev.kiln.workflows.training.TrainingResult;
import dev.kiln.workflows.training.TrainingWorkflow;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Workflow;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One run of the life cycle, stage after stage. */
public class PretrainingWorkflowImpl implements PretrainingWorkflow {
  private final Map<String, Long> stageMillis = new LinkedHashMap<>();
  private Stage stage = Stage.SCOPE;
  private long stageStarted;
  private String curationWorkflowId;
  private String trainingWorkflowId;

  @Override
  public RunSummary run(RunSpec spec) {
    List<SpecProblem> problems = RunSpecValidator.validate(spec);
    if (!problems.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(
          new InvalidRunSpecException("(workflow input)", problems).getMessage(), Failures.INVALID_RUN_SPEC);
    }
    String runId = Workflow.getInfo().getWorkflowId();
    curationWorkflowId = runId + "-curate";
    trainingWorkflowId = runId + "-train";

    RawSelection raw = null;
    if (spec.data().newDataOnly()) {
      enter(Stage.SELECT_RAW);
      raw = ActivitySummaries.stub(CurationActivities.class, ActivityPolicies.DATA_WORK, "select raw data new to " + spec.name())
          .selectRaw(new CurationActivities.SelectRawRequest(spec.name(), runId, spec));
      if (raw.isEmpty()) {
        String why = "no new raw data: all " + raw.consumedEarlier() + " raw objects under " + spec.data().rawPrefixes()
            + " were consumed by " + raw.earlierRuns() + " earlier run(s) of " + spec.name()
            + " (data.onlyNew; whenNothingNew: skip)";
        enter(Stage.SKIPPED);
        Workflow.setCurrentDetails("skipped: " + why);
        return new RunSummary(runId, null, null, null, null, null, new LinkedHashMap<>(stageMillis), raw, why);
      }
    }

    enter(Stage.SCOPE);
    ScopePlan plan = ActivitySummaries.stub(ScopeActivities.class, ActivityPolicies.DECISION,
        "scope: " + spec.useCase().task() + ", " + spec.budget().trainingFlops() + " FLOPs").scope(spec);

    Workflow.upsertTypedSearchAttributes(
        KilnSearchAttributes.ARCHITECTURE.valueSet(plan.architecture()),
        KilnSearchAttributes.OBJECTIVE.valueSet(plan.objective()));

    enter(Stage.SELECT_MODEL);
    ModelSelection selection = ActivitySummaries.stub(ModelHubActivities.class, ActivityPolicies.DECISION,
            "select model (" + spec.model().strategy() + ", " + plan.architecture() + "/" + plan.objective() + ")")
        .selectModel(new SelectModelRequest(spec, plan));

    enter(Stage.CURATE);
    CurationWorkflow curate =
        Workflow.newChildWorkflowStub(CurationWorkflow.class, childOptions(curationWorkflowId, "curate " + String.join(" ", spec.data().rawPrefixes())));
    CurationResult curation = curate.curate(new CurationRequest(runId, spec, selection.tokenizerKey(), raw == null ? null : raw.key()));

    enter(Stage.PRETRAIN);
    TrainingConfig config = trainingConfig(spec, plan, selection, curation);
    TrainingWorkflow train = Workflow.newChildWorkflowStub(TrainingWorkflow.class, childOptions(trainingWorkflowId,
        "pretrain " + plan.architecture() + " " + plan.objective() + ", " + config.steps() + " steps"
            + (selection.continues() ? " from " + selection.hubModelId() : " from scratch")));
    TrainingResult training = train.train(
        new TrainingRequest(runId, config, spec.training().segmentSteps(), spec.resilienceOrDefaults(), null));

    Workflow.upsertTypedSearchAttributes(
        KilnSearchAttributes.STEP.valueSet((long) training.finalCheckpoint().step()),
        KilnSearchAttributes.TOKENS_SEEN.valueSet(training.tokensSeen()),
        KilnSearchAttributes.LOSS.valueSet(training.finalCheckpoint().trainLoss()),
        KilnSearchAttributes.GOODPUT.valueSet(training.goodput()));

    enter(Stage.EVALUATE);
    EvaluationResult evaluated = ActivitySummaries.stub(EvaluationActivities.class, ActivityPolicies.EVALUATION,
            "evaluate " + plan.objective() + " and publish to the hub")
        .evaluate(new EvaluationRequest(runId, spec, plan, selection, curation, config, training));
    if (raw != null) {
      // only now, with the model evaluated and published, do the raw objects count as consumed by the lineage
      ActivitySummaries.stub(CurationActivities.class, ActivityPolicies.DECISION,
              "record " + raw.objects() + " raw objects as consumed by " + spec.name())
          .recordConsumed(new CurationActivities.RecordConsumedRequest(spec.name(), runId, raw.key()));
    }
    enter(Stage.DONE);
    return new RunSummary(runId, plan, selection, curation, training, evaluated, new LinkedHashMap<>(stageMillis), raw, null);
  }

  static TrainingConfig trainingConfig(
      RunSpec spec, ScopePlan plan, ModelSelection selection, CurationResult curation) {
    RunSpec.TrainingSpec t = spec.training();
    // A model trained from scratch has the tokenizer's vocabulary plus the objective's reserved tokens
    // ([MASK] or sentinels); a continued model already has them.
    int contextLength = plan.shape().contextLength();
    ModelShape shape = selection.continues()
        ? selection.shape()
        : plan.shape().withVocabSize(Objective.of(plan.objective()).modelVocabSize(curation.vocabSize(), contextLength));
    return new TrainingConfig(
        shape, plan.objective(), t.batchSize(), plan.steps(), t.learningRate(), t.minLearningRate(),
        t.warmupSteps(), t.weightDecay(), t.gradClip(), t.dropout(), t.seed(), t.checkpointEvery(), t.device(),
        curation.manifestKey(), selection.weightsKey());
  }

  private ChildWorkflowOptions childOptions(String workflowId, String summary) {
    return ChildWorkflowOptions.newBuilder()
        .setWorkflowId(workflowId)
        .setStaticSummary(summary)
        .setTaskQueue(TaskQueues.CPU)
        .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE)
        .build();
  }

  private void enter(Stage next) {
    long now = Workflow.currentTimeMillis();
    if (stageStarted > 0) {
      stageMillis.put(stage.label(), now - stageStarted);
    }
    stage = next;
    stageStarted = now;
    Workflow.upsertTypedSearchAttributes(KilnSearchAttributes.STAGE.valueSet(next.label()));
    Workflow.setCurrentDetails("stage: " + next.label());
  }

  @Override
  public RunProgress progress() {
    return new RunProgress(stage.label(), curationWorkflowId, trainingWorkflowId, new LinkedHashMap<>(stageMillis));
  }
}
