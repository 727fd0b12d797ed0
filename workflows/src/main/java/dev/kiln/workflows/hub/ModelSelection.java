package dev.kiln.workflows.hub;

import dev.kiln.workflows.scope.ModelShape;

/**
 * Stage 2's decision: continue from a hub model or train from scratch, and why.
 *
 * @param decision {@code continue} or {@code scratch}
 * @param hubModelId the card continued from, or null
 * @param weightsKey S3 key of the weights to start from (safetensors), or null
 * @param tokenizerKey S3 key of the tokenizer to reuse, or null (curation trains one)
 * @param shape the shape of the model continued from (training must match it), or null
 */
public record ModelSelection(
    String decision,
    String hubModelId,
    String reason,
    String weightsKey,
    String tokenizerKey,
    ModelShape shape) {

  public boolean continues() {
    return "continue".equals(decision);
  }
}
