package dev.kiln.workflows.scope;

/**
 * What the scope stage decided: the architecture family and objective for the use case, a compute-optimal
 * size for the budget, and how much raw data that needs given the expected curation yield.
 *
 * @param architecture {@code encoder}, {@code decoder} or {@code encoder-decoder}
 * @param objective {@code mlm}, {@code clm} or {@code span-corruption}
 */
public record ScopePlan(
    String task,
    String architecture,
    String objective,
    String architectureReason,
    ModelShape shape,
    long parameters,
    long trainingTokens,
    long rawTokensNeeded,
    int steps,
    String sizingReason) {}
