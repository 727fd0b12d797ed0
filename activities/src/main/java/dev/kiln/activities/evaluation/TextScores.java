package dev.kiln.activities.evaluation;

import dev.kiln.activities.training.CausalDecoder;
import dev.kiln.activities.training.LanguageModelEvaluator;
import dev.kiln.activities.training.MaskedLanguageModelEvaluator;
import dev.kiln.activities.training.Seq2SeqModel;
import dev.kiln.activities.training.SpanCorruptionEvaluator;
import dev.kiln.activities.training.TransformerModel;
import dev.kiln.activities.training.UnigramBaseline;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Each objective's metric on a token stream, against a unigram baseline: what a run's evaluation reports on its
 * held-out documents, and what {@code kiln evaluate} reports on a user's own text.
 */
public final class TextScores {
  /** Pseudo-perplexity costs one forward row per token; 2,048 tokens in 32 windows spread over the text. */
  static final int PSEUDO_PERPLEXITY_TOKENS = 2048;
  /** Greedy decoding runs the decoder once per target token; 128 windows give 384 spans at context 64. */
  static final int DECODED_WINDOWS = 128;

  private TextScores() {}

  /** CLM: next-token cross-entropy over every token, and its perplexity. */
  public static ModelCardWriter.Metrics causal(CausalDecoder model, UnigramBaseline baseline, int[] tokens) {
    double loss = new LanguageModelEvaluator(model).meanLoss(tokens, tokens.length);
    return new ModelCardWriter.Metrics(
        loss, Math.exp(loss), Math.exp(baseline.meanLoss(tokens)), tokens.length, List.of(), Map.of());
  }

  /** MLM: pseudo-perplexity is the headline (comparable with the unigram's), masked-token accuracy beside it. */
  public static ModelCardWriter.Metrics masked(
      TransformerModel model, UnigramBaseline baseline, int[] tokens, long seed, Runnable progress) {
    MaskedLanguageModelEvaluator.Scores s = new MaskedLanguageModelEvaluator(model, baseline, progress)
        .evaluate(tokens, tokens.length, PSEUDO_PERPLEXITY_TOKENS, seed);
    Map<String, Double> extra = new LinkedHashMap<>();
    extra.put("masked_token_accuracy", s.maskedAccuracy());
    extra.put("most_frequent_token_accuracy", s.mostFrequentAccuracy());
    extra.put("masked_token_loss", s.maskedLoss());
    extra.put("masked_tokens", (double) s.maskedTokens());
    return new ModelCardWriter.Metrics(
        Math.log(s.pseudoPerplexity()), s.pseudoPerplexity(), s.unigramPerplexity(), s.pseudoTokens(), List.of(), extra);
  }

  /** Span corruption: target perplexity against the unigram's, exact match of greedily reconstructed spans. */
  public static ModelCardWriter.Metrics spanCorruption(
      Seq2SeqModel model, UnigramBaseline baseline, int[] tokens, long seed, Runnable progress) {
    SpanCorruptionEvaluator.Scores s = new SpanCorruptionEvaluator(model, baseline, progress)
        .evaluate(tokens, tokens.length, DECODED_WINDOWS, seed);
    Map<String, Double> extra = new LinkedHashMap<>();
    extra.put("span_content_perplexity", Math.exp(s.contentLoss()));
    extra.put("baseline_span_content_perplexity", Math.exp(s.baselineContentLoss()));
    extra.put("span_exact_match", s.exactMatch());
    extra.put("baseline_span_exact_match", s.baselineExactMatch());
    extra.put("spans_decoded", (double) s.spans());
    return new ModelCardWriter.Metrics(
        s.loss(), Math.exp(s.loss()), Math.exp(s.baselineLoss()), s.targetTokens(), List.of(), extra);
  }
}
