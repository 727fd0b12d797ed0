package dev.kiln.activities.scope;

import dev.kiln.activities.training.BertArchitecture;
import dev.kiln.activities.training.T5Architecture;
import dev.kiln.workflows.scope.Architecture;
import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelType;

import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.scope.LadderPrediction;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.scope.ShapeLadder;
import io.temporal.failure.ApplicationFailure;
import java.util.Comparator;
import java.util.Locale;
import dev.kiln.workflows.scope.ScopeActivities;
import dev.kiln.workflows.scope.ScopePlan;
import dev.kiln.workflows.spec.RunSpec;

/** Stage 1: use case and budget to architecture, objective, size and data needs. */
public final class ScopeActivitiesImpl implements ScopeActivities {
  /** Where finished ladders' reports are ({@code budget.ladder}); null for a scope that sizes by ratio only. */
  private final ObjectStore store;

  /** Sizes by the fixed tokens-per-parameter ratio only: a spec with {@code budget.ladder} is refused. */
  public ScopeActivitiesImpl() {
    this(null);
  }

  /** Also sizes from a finished ladder's fitted law ({@code budget.ladder}), read from {@code store}. */
  public ScopeActivitiesImpl(ObjectStore store) {
    this.store = store;
  }

  @Override
  public ScopePlan scope(RunSpec spec) {
    ArchitectureChoice arch = ArchitectureChoice.forTask(spec.useCase().task());
    RunSpec.TrainingSpec t = spec.training();
    RunSpec.Budget budget = spec.budget();
    int vocab = spec.tokenizer().vocabSize();

    double optimal = ComputeOptimalSizing.optimalParameters(budget.trainingFlops(), budget.tokensPerParameter());
    boolean shapeGiven = t.dModel() > 0;
    ModelShape shape =
        shapeGiven
            ? new ModelShape(vocab, t.contextLength(), t.dModel(), t.layers(), t.heads())
            : ComputeOptimalSizing.shapeFor(budget.trainingFlops(), budget.tokensPerParameter(), vocab, t.contextLength());
    ModelType type = t.architecture() != null ? ModelType.of(t.architecture()) : ModelType.defaultFor(arch.architecture());
    if (budget.ladder() != null) {
      return fromLadder(spec, arch, type, shapeGiven ? shape : null);
    }
    long parameters = parameters(type, shape);
    long tokensPerStep = (long) t.batchSize() * t.contextLength();
    long budgetTokens = ComputeOptimalSizing.tokensFor(budget.trainingFlops(), parameters);
    int steps = t.steps() > 0 ? t.steps() : (int) Math.max(1, Math.min(Integer.MAX_VALUE, budgetTokens / tokensPerStep));
    long trainingTokens = steps * tokensPerStep;
    long rawTokens = (long) Math.ceil(trainingTokens / budget.expectedCurationYield());

    String sizing =
        String.format(
            "budget C=%.3g FLOPs at %.0f tokens/parameter gives N_opt=sqrt(C/6r)=%,.0f parameters; %s"
                + " d_model=%d, %d layers, %d heads = %,d parameters as %s; %s %,d steps x %,d tokens = %,d tokens"
                + " (%.1f tokens/parameter); at an expected curation yield of %.1f%% that needs ~%,d raw tokens",
            budget.trainingFlops(),
            budget.tokensPerParameter(),
            optimal,
            shapeGiven ? "the spec fixes" : "the nearest shape on the ladder is",
            shape.dModel(),
            shape.layers(),
            shape.heads(),
            parameters,
            type,
            t.steps() > 0 ? "the spec fixes" : "C/6N buys",
            steps,
            tokensPerStep,
            trainingTokens,
            (double) trainingTokens / parameters,
            100 * budget.expectedCurationYield(),
            rawTokens);
    String network = t.architecture() != null
        ? "; network: " + type + " (training.architecture)"
        : "; network: " + type + ", the " + arch.architecture() + " family's default (training.architecture names another)";
    return new ScopePlan(
        spec.useCase().task(), arch.architecture(), arch.objective(), arch.reason() + network, shape, parameters,
        trainingTokens, rawTokens, steps, sizing, type);
  }

  /**
   * Sizing from the fitted law of the finished ladder {@code budget.ladder}: the law's compute-optimal N for the budget
   * picks the ladder shape nearest in non-embedding parameters (unless the spec fixes one), and the budget buys its
   * steps (D = C / 6N, N all parameters); the plan carries the law's predicted loss and its interval.
   */
  private ScopePlan fromLadder(RunSpec spec, ArchitectureChoice arch, ModelType type, ModelShape fixed) {
    RunSpec.TrainingSpec t = spec.training();
    RunSpec.Budget budget = spec.budget();
    if (store == null) {
      throw new IllegalStateException("budget.ladder needs a scope activity with storage (ScopeActivitiesImpl(store))");
    }
    LadderLaw law;
    try {
      law = LadderLaw.load(store, budget.ladder());
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), Failures.INVALID_RUN_SPEC);
    }
    double[] optimal = law.law().optimal(budget.trainingFlops());
    int vocab = spec.tokenizer().vocabSize();
    ModelShape shape = fixed != null ? fixed : ShapeLadder.SHAPES.stream()
        .map(r -> new ModelShape(vocab, t.contextLength(), r[0], r[1], r[2]))
        .min(Comparator.comparingDouble(s -> Math.abs(Math.log(nonEmbedding(type, s) / optimal[0]))))
        .orElseThrow();
    long parameters = parameters(type, shape);
    long nonEmbedding = nonEmbedding(type, shape);
    long tokensPerStep = (long) t.batchSize() * t.contextLength();
    long budgetTokens = ComputeOptimalSizing.tokensFor(budget.trainingFlops(), parameters);
    int steps = t.steps() > 0 ? t.steps() : (int) Math.max(1, Math.min(Integer.MAX_VALUE, budgetTokens / tokensPerStep));
    long trainingTokens = steps * tokensPerStep;
    long rawTokens = (long) Math.ceil(trainingTokens / budget.expectedCurationYield());
    double loss = law.law().loss(nonEmbedding, trainingTokens);
    double[] interval = law.interval(nonEmbedding, trainingTokens);
    LadderPrediction prediction = new LadderPrediction(budget.ladder(), optimal[0], optimal[1], nonEmbedding,
        trainingTokens, loss, interval[0], interval[1], law.law().toString());
    String sizing = String.format(Locale.ROOT,
        "sized from ladder %s's fitted law %s instead of tokensPerParameter: at C=%.3g FLOPs its compute-optimal"
            + " N_opt=%,.0f non-embedding parameters and D_opt=%,.0f tokens (%.1f tokens/parameter); %s d_model=%d,"
            + " %d layers, %d heads = %,d parameters (%,d non-embedding) as %s; %s %,d steps x %,d tokens = %,d tokens;"
            + " predicted held-out loss %.4f%s; at an expected curation yield of %.1f%% that needs ~%,d raw tokens",
        budget.ladder(), law.law(), budget.trainingFlops(), optimal[0], optimal[1], optimal[1] / optimal[0],
        fixed != null ? "the spec fixes" : "the nearest shape on the ladder is", shape.dModel(), shape.layers(),
        shape.heads(), parameters, nonEmbedding, type, t.steps() > 0 ? "the spec fixes" : "C/6N buys", steps,
        tokensPerStep, trainingTokens, loss,
        Double.isNaN(interval[0]) ? " (no bootstrap, so no interval)"
            : String.format(Locale.ROOT, " (95%% interval %.4f-%.4f)", interval[0], interval[1]),
        100 * budget.expectedCurationYield(), rawTokens);
    String network = t.architecture() != null
        ? "; network: " + type + " (training.architecture)"
        : "; network: " + type + ", the " + arch.architecture() + " family's default (training.architecture names another)";
    return new ScopePlan(spec.useCase().task(), arch.architecture(), arch.objective(), arch.reason() + network, shape,
        parameters, trainingTokens, rawTokens, steps, sizing, type, prediction);
  }

  /** Parameters of that network at that shape without the token embedding: the N a ladder's law is fitted on. */
  public static long nonEmbedding(ModelType type, ModelShape shape) {
    return parameters(type, shape) - (long) shape.vocabSize() * shape.dModel();
  }

  /** Parameters of that network at that shape (the sizing ladder itself is Kiln's GPT's). */
  public static long parameters(ModelType type, ModelShape shape) {
    return switch (type) {
      case GPT2, KILN_ENCODER -> shape.parameters();
      case KILN_ENCODER_DECODER -> shape.parameters(Architecture.ENCODER_DECODER);
      case LLAMA -> LlamaOptions.defaultsFor(shape).parameters(shape);
      case BERT, ROBERTA -> BertArchitecture.forKiln(type.encoderFlavor(), shape).parameterCount();
      case T5_V1_1, T5_V1_0 -> T5Architecture.of(shape, type.t5Variant()).parameterCount();
    };
  }
}
