package dev.kiln.workflows.scope;

/**
 * What a finished scaling-law ladder's fitted law predicts for a run's budget (the spec's {@code budget.ladder}).
 *
 * @param optimalParameters the law's compute-optimal non-embedding parameters N_opt for the budget
 * @param optimalTokens the law's compute-optimal tokens D_opt for the budget
 * @param parameters the non-embedding parameters of the shape the run trains (the ladder's shape nearest N_opt)
 * @param tokens the tokens the run trains on
 * @param loss the law's loss at ({@code parameters}, {@code tokens}), nats per token
 * @param lossLow the low end of its 95 % interval (bootstrap), or NaN when the report has no bootstrap
 * @param lossHigh the high end
 * @param law the fitted law in a line, e.g. "L(N, D) = 1.69 + 406.4/N^0.34 + 410.7/D^0.28"
 */
public record LadderPrediction(
    String ladderId,
    double optimalParameters,
    double optimalTokens,
    long parameters,
    long tokens,
    double loss,
    double lossLow,
    double lossHigh,
    String law) {}
