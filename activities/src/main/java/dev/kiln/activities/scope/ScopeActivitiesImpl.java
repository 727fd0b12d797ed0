package dev.kiln.activities.scope;

import dev.kiln.activities.training.BertArchitecture;
import dev.kiln.activities.training.T5Architecture;
import dev.kiln.workflows.scope.Architecture;
import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelType;

import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.scope.ScopeActivities;
import dev.kiln.workflows.scope.ScopePlan;
import dev.kiln.workflows.spec.RunSpec;

/** Stage 1: use case and budget to architecture, objective, size and data needs. */
public final class ScopeActivitiesImpl implements ScopeActivities {

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
