package dev.kiln.workflows.ladder;

/**
 * A trained and measured rung, as {@code ladders/<id>/rungs/<rung>.json} holds it.
 *
 * @param loss held-out loss in nats per token (CLM: next-token cross-entropy; MLM: log pseudo-perplexity; span
 *     corruption: target cross-entropy), on the curated held-out split
 * @param tokensPerSecond training throughput over the rung's whole training
 * @param peakMemoryBytes peak resident memory of the measuring worker's process during two training steps of the
 *     rung's model at its batch size and context length (Linux VmHWM, reset before the steps); 0 where the OS does
 *     not report it
 * @param trainingWorkflowId the training workflow of the attempt that finished
 * @param attempts training workflows started for the rung (1 unless one failed or was killed)
 */
public record RungResult(
    String rung,
    double budget,
    long parameters,
    long totalParameters,
    long tokens,
    double flops,
    double loss,
    double tokensPerSecond,
    long peakMemoryBytes,
    int contextLength,
    int dModel,
    int layers,
    int heads,
    int steps,
    String trainingWorkflowId,
    int attempts) {

  public LadderPoint point() {
    return new LadderPoint(rung, parameters, tokens, flops, budget, loss);
  }
}
