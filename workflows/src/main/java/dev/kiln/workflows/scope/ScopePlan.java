package dev.kiln.workflows.scope;

/**
 * What the scope stage decided: the architecture family and objective for the use case, a compute-optimal
 * size for the budget, and how much raw data that needs given the expected curation yield.
 *
 * @param architecture the family; always {@code objective.architecture()}
 * @param modelType the network of that family to train from scratch: the spec's {@code training.architecture}, else
 *     the family's default. Null in plans recorded before it existed, which meant {@link ModelType#legacyFor}; left out
 *     of the JSON when null
 * @param ladder what the fitted law of the spec's {@code budget.ladder} predicts, when scope sized the run from it;
 *     null otherwise (and in plans recorded before it existed), and then left out of the JSON
 */
public record ScopePlan(
    String task,
    Architecture architecture,
    dev.kiln.workflows.training.Objective objective,
    String architectureReason,
    ModelShape shape,
    long parameters,
    long trainingTokens,
    long rawTokensNeeded,
    int steps,
    String sizingReason,
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    ModelType modelType,
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    LadderPrediction ladder) {

  /** A plan sized by the fixed tokens-per-parameter ratio (no ladder). */
  public ScopePlan(String task, Architecture architecture, dev.kiln.workflows.training.Objective objective,
      String architectureReason, ModelShape shape, long parameters, long trainingTokens, long rawTokensNeeded, int steps,
      String sizingReason, ModelType modelType) {
    this(task, architecture, objective, architectureReason, shape, parameters, trainingTokens, rawTokensNeeded, steps,
        sizingReason, modelType, null);
  }

  /** A plan of the family's legacy network (as every plan recorded before the model type could be chosen). */
  public ScopePlan(String task, Architecture architecture, dev.kiln.workflows.training.Objective objective,
      String architectureReason, ModelShape shape, long parameters, long trainingTokens, long rawTokensNeeded, int steps,
      String sizingReason) {
    this(task, architecture, objective, architectureReason, shape, parameters, trainingTokens, rawTokensNeeded, steps,
        sizingReason, null);
  }

  /** The network to train from scratch, never null. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public ModelType modelTypeOrLegacy() {
    return modelType != null ? modelType : ModelType.legacyFor(architecture);
  }
}
