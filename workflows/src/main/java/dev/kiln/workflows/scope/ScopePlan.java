package dev.kiln.workflows.scope;

/**
 * What the scope stage decided: the architecture family and objective for the use case, a compute-optimal
 * size for the budget, and how much raw data that needs given the expected curation yield.
 *
 * @param architecture the family; always {@code objective.architecture()}
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
    String sizingReason) {}
