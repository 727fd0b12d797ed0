package dev.kiln.workflows.ladder;

/**
 * One measured rung of a scaling-law ladder: a model of {@code parameters} non-embedding parameters trained
 * on {@code tokens} tokens at a cost of {@code flops} (about 6 N D), reaching held-out {@code loss} (nats
 * per token). {@code budget} is the compute budget of the IsoFLOP profile the rung belongs to, or 0 when the
 * ladder was given explicit (N, D) points.
 */
public record LadderPoint(String rung, long parameters, long tokens, double flops, double budget, double loss) {}
