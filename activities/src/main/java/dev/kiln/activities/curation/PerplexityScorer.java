package dev.kiln.activities.curation;

import ai.djl.Device;
import dev.kiln.activities.evaluation.SavedModel;
import dev.kiln.activities.tokenizer.BpeTokenizer;
import dev.kiln.activities.training.CausalDecoder;
import dev.kiln.activities.training.LanguageModelEvaluator;
import dev.kiln.activities.training.TransformerModel;
import dev.kiln.workflows.training.Objective;

/**
 * CCNet's document score: the perplexity a reference causal language model gives a text, computed as
 * {@code kiln evaluate} computes a decoder's ({@link LanguageModelEvaluator#meanLoss}, exp of the mean next-token
 * loss, in non-overlapping context windows) on the first {@code maxTokens} tokens. Holds the model and tokenizer
 * until closed; calls are serialised, so one scorer may be shared by the activities of a worker.
 */
public final class PerplexityScorer implements AutoCloseable {

  private final String source;
  private final TransformerModel model;
  private final BpeTokenizer tokenizer;
  private final LanguageModelEvaluator evaluator;

  private PerplexityScorer(String source, TransformerModel model, BpeTokenizer tokenizer) {
    this.source = source;
    this.model = model;
    this.tokenizer = tokenizer;
    this.evaluator = new LanguageModelEvaluator((CausalDecoder) model);
  }

  /** Loads a saved causal model on the CPU; an encoder or encoder-decoder is refused with the fix. */
  public static PerplexityScorer load(SavedModel saved) {
    if (saved.objective() != Objective.CLM) {
      throw new IllegalArgumentException(saved.source() + " is a " + saved.objective() + " model; perplexity filtering"
          + " needs a causal language model (objective CLM): name a decoder (GPT or Llama) of the hub");
    }
    TransformerModel model = saved.load(Device.cpu());
    try {
      return new PerplexityScorer(saved.source(), model, saved.tokenizer());
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  public String source() {
    return source;
  }

  /** The perplexity of the text's first {@code maxTokens} tokens, or NaN for a text of fewer than 2 tokens. */
  public synchronized double perplexity(String text, int maxTokens) {
    int[] tokens = tokenizer.encode(text);
    if (tokens.length < 2) {
      return Double.NaN;
    }
    return Math.exp(evaluator.meanLoss(tokens, Math.min(maxTokens, tokens.length - 1)));
  }

  @Override
  public synchronized void close() {
    tokenizer.close();
    model.close();
  }
}
