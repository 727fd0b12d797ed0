package dev.kiln.workflows.evaluation;

import java.util.List;

/**
 * @param heldOutPerplexity the model's perplexity on the held-out shard
 * @param unigramPerplexity the baseline: a unigram model fitted on the training shards
 * @param modelPrefix where the model, tokenizer, card, eval.json and plots are in S3
 * @param hubModelId the id under which the model was published to the hub
 */
public record EvaluationResult(
    double heldOutLoss,
    double heldOutPerplexity,
    double unigramPerplexity,
    long heldOutTokensEvaluated,
    List<String> samples,
    String modelPrefix,
    String cardKey,
    String hubModelId) {

  public boolean beatsBaseline() {
    return heldOutPerplexity < unigramPerplexity;
  }
}
