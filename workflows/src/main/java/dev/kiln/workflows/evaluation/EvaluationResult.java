package dev.kiln.workflows.evaluation;

import java.util.List;
import java.util.Map;

/**
 * @param heldOutPerplexity perplexity (CLM), pseudo-perplexity (MLM) or span-target perplexity (span
 *     corruption) on the held-out shard
 * @param unigramPerplexity the baseline: a unigram model fitted on the training shards, on the same tokens
 * @param objectiveMetrics the objective's own scores next to their baselines (masked-token accuracy vs the
 *     most frequent token, span exact match vs a unigram guess), by name; empty for CLM
 * @param beatsBaseline CLM and span corruption: perplexity below the unigram's; MLM: masked-token accuracy
 *     above always guessing the most frequent token (a small encoder's pseudo-perplexity stays near the
 *     unigram's long after its accuracy has left the baseline behind)
 * @param modelPrefix where the model, tokenizer, card, eval.json and plots are in S3
 * @param hubModelId the id under which the model was published to the hub
 */
public record EvaluationResult(
    double heldOutLoss,
    double heldOutPerplexity,
    double unigramPerplexity,
    long heldOutTokensEvaluated,
    List<String> samples,
    Map<String, Double> objectiveMetrics,
    boolean beatsBaseline,
    String modelPrefix,
    String cardKey,
    String hubModelId) {}
