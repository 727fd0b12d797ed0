package dev.kiln.workflows.pretraining;

import dev.kiln.workflows.ActivityPolicies;
import dev.kiln.workflows.ActivitySummaries;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.KilnSearchAttributes;
import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.WorkflowVersions;
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
import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.scope.ModelType;
import dev.kiln.workflows.scope.ScopeActivities;
import dev.kiln.workflows.scope.ScopePlan;
import dev.kiln.workflows.spec.InvalidRunSpecException;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.spec.RunSpecValidator;
import dev.kiln.workflows.spec.SpecProblem;
import dev.kiln.workflows.training.DeviceActivities;
import dev.kiln.workflows.training.DeviceSpec;
import dev.kiln.workflows.training.MlpActivation;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import dev.kiln.workflows.training.TrainingRequest;
import dev.kiln.workflows.training.TrainingResult;
import dev.kiln.workflows.training.TrainingWorkflow;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TimeoutFailure;
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
    // The validator's rules grow with Kiln; a run in flight must keep the verdict it started with, so it is recorded.
    List<SpecProblem> problems = WorkflowVersions.takes(WorkflowVersions.SPEC_VERDICT_RECORDED)
        ? List.of(Workflow.sideEffect(SpecProblem[].class, () -> RunSpecValidator.validate(spec).toArray(SpecProblem[]::new)))
        : RunSpecValidator.validate(spec);
    if (!problems.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(
          new InvalidRunSpecException("(workflow input)", problems).getMessage(), Failures.INVALID_RUN_SPEC);
    }
    // At the start, not at evaluation: what decides is whether the run *started* with the opt-in.
    boolean compareWithDecoder = !WorkflowVersions.takes(WorkflowVersions.DECODER_COMPARISON_OPT_IN)
        || spec.evaluation().comparesWithDecoder();
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
    checkDevice(spec.training().device());
    ScopePlan plan = ActivitySummaries.stub(ScopeActivities.class, ActivityPolicies.DECISION,
        "scope: " + spec.useCase().task() + ", " + spec.budget().trainingFlops() + " FLOPs").scope(spec);

    Workflow.upsertTypedSearchAttributes(
        KilnSearchAttributes.ARCHITECTURE.valueSet(plan.architecture().id()),
        KilnSearchAttributes.OBJECTIVE.valueSet(plan.objective().id()));

    enter(Stage.SELECT_MODEL);
    ModelSelection selection = ActivitySummaries.stub(ModelHubActivities.class, ActivityPolicies.MODEL_SELECTION,
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
        .evaluate(new EvaluationRequest(runId, spec, plan, selection, curation, config, training, compareWithDecoder));
    if (raw != null) {
      // only now, with the model evaluated and published, do the raw objects count as consumed by the lineage
      ActivitySummaries.stub(CurationActivities.class, ActivityPolicies.DECISION,
              "record " + raw.objects() + " raw objects as consumed by " + spec.name())
          .recordConsumed(new CurationActivities.RecordConsumedRequest(spec.name(), runId, raw.key()));
    }
    enter(Stage.DONE);
    return new RunSummary(runId, plan, selection, curation, training, evaluated, new LinkedHashMap<>(stageMillis), raw, null);
  }

  /**
   * Asks a gpu-queue worker, before any curation, whether it has the GPUs {@code training.device} names, so a
   * missing GPU fails the run now rather than when the first training segment starts. {@code cpu} is not asked
   * about: every worker has it, and the run then does not wait for a gpu-queue worker before curation either.
   */
  private static void checkDevice(String device) {
    if (DeviceSpec.gpuIndices(device).isEmpty() || !WorkflowVersions.takes(WorkflowVersions.DEVICE_CHECK_BEFORE_CURATION)) {
      return; // runs that started before the check fail, as they did, when the first training segment starts
    }
    Workflow.setCurrentDetails("stage: scope; checking training.device " + device + " on a gpu-queue worker (waits up to "
        + ActivityPolicies.GPU_WORKER_WAIT.toMinutes() + " minutes for one to poll: `kiln worker --queues gpu`)");
    try {
      DeviceActivities.DeviceReport report = ActivitySummaries.stub(DeviceActivities.class, ActivityPolicies.DEVICE_CHECK,
          "check training.device " + device + " on a gpu-queue worker").checkDevice(device);
      Workflow.getLogger(PretrainingWorkflowImpl.class).info("training.device {}: worker {} has {}; training on {}",
          device, report.worker(), report.devices(), report.selected());
      Workflow.setCurrentDetails("stage: scope");
    } catch (ActivityFailure failure) {
      if (failure.getCause() instanceof TimeoutFailure timeout
          && timeout.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START) {
        throw noGpuWorker(device);
      }
      if (failure.getCause() instanceof ApplicationFailure app && app.isNonRetryable()) {
        // the worker lacks the device: fail the run with the worker's own message (device, its GPUs, the fix)
        throw ApplicationFailure.newNonRetryableFailure(app.getOriginalMessage(), app.getType());
      }
      throw failure;
    }
  }

  /** How a run fails when no gpu-queue worker took its device check within {@link ActivityPolicies#GPU_WORKER_WAIT}. */
  public static ApplicationFailure noGpuWorker(String device) {
    return ApplicationFailure.newNonRetryableFailure(
        "training.device is '" + device + "' but no worker polled the gpu task queue within "
            + ActivityPolicies.GPU_WORKER_WAIT.toMinutes() + " minutes, so the device could not be checked and"
            + " nothing could train; the run stopped before curation. Fix: start a worker for the gpu queue on a"
            + " machine with those GPUs, against the same Temporal service, S3 endpoint and bucket"
            + " (`kiln worker --queues gpu`; a plain `kiln worker` polls both queues), then start the run again;"
            + " or set training.device to cpu",
        Failures.NO_WORKER);
  }

  public static TrainingConfig trainingConfig(
      RunSpec spec, ScopePlan plan, ModelSelection selection, CurationResult curation) {
    RunSpec.TrainingSpec t = spec.training();
    // A model trained from scratch has the tokenizer's vocabulary plus the objective's reserved tokens
    // ([MASK] or sentinels); a continued model already has them.
    int contextLength = plan.shape().contextLength();
    ModelShape shape = selection.continues()
        ? selection.shape()
        : plan.shape().withVocabSize(plan.objective().modelVocabSize(curation.vocabSize(), contextLength));
    // A continued model keeps its own network; one from scratch is the plan's. Plans and selections recorded before
    // either could name one name none and mean Kiln's own network of the family, so their configs are unchanged and
    // this needs no version marker.
    ModelType type = selection.continues()
        ? (selection.modelType() != null ? selection.modelType() : ModelType.legacyFor(plan.architecture()))
        : plan.modelTypeOrLegacy();
    LlamaOptions llama = type != ModelType.LLAMA ? null
        : selection.continues() && selection.llama() != null ? selection.llama() : LlamaOptions.defaultsFor(shape);
    // Null for every spec without one: the config (and its hash) of such a run is what it always was. A continued
    // GPT-2 brings its own.
    MlpActivation activation = type != ModelType.GPT2 ? null
        : selection.activation() != null ? selection.activation()
        : t.activation() == null ? null : MlpActivation.of(t.activation());
    return TrainingConfig.builder()
        .shape(shape).objective(plan.objective()).batchSize(t.batchSize()).steps(plan.steps())
        .learningRate(t.learningRate(), t.minLearningRate()).warmupSteps(t.warmupSteps()).weightDecay(t.weightDecay())
        .gradClip(t.gradClip()).dropout(t.dropout()).seed(t.seed()).checkpointEvery(t.checkpointEvery())
        .device(t.device()).manifestKey(curation.manifestKey()).initWeightsKey(selection.weightsKey())
        .activation(activation).llama(llama).encoderFlavor(type.encoderFlavor()).t5(type.t5Variant())
        .build();
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
