package dev.kiln.workflows.ladder;

import dev.kiln.workflows.scope.ScopePlan;

/**
 * One planned rung: a shape and the tokens it trains on.
 *
 * @param name e.g. {@code c3e11-d128} (budget 3e11, d_model 128) or {@code p2-d128} (the second explicit point)
 * @param budget the IsoFLOP budget C it belongs to, or 0 for an explicit point
 * @param parameters non-embedding parameters (all but the token embedding, which the output layer shares): the N
 *     the law is fitted on
 * @param totalParameters every parameter: what a training step costs, so D = C / (6 totalParameters)
 * @param tokens D, whole steps of {@code batchSize x contextLength}
 * @param flops 6 totalParameters D
 * @param plan the scope plan the rung trains as (shape, steps, objective, network), as a run's scope stage says it
 */
public record LadderRung(
    String name, double budget, long parameters, long totalParameters, long tokens, double flops, ScopePlan plan) {}
