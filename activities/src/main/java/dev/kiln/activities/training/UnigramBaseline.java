package dev.kiln.activities.training;

/**
 * Predicts every token from its training frequency alone, ignoring context. A language model that does
 * not beat it has learned nothing about context.
 */
public final class UnigramBaseline {

  private final double[] logProbability;
  private final int mostFrequentToken;

  /** Add-one (Laplace) smoothing, so tokens never seen in training still get a finite loss. */
  public UnigramBaseline(int[] trainingTokens, int vocabSize) {
    long[] counts = new long[vocabSize];
    for (int token : trainingTokens) {
      if (token < 0 || token >= vocabSize) {
        throw new IllegalArgumentException("Token " + token + " is outside the vocabulary of " + vocabSize);
      }
      counts[token]++;
    }
    double total = trainingTokens.length + (double) vocabSize;
    logProbability = new double[vocabSize];
    int mostFrequent = 0;
    for (int token = 0; token < vocabSize; token++) {
      logProbability[token] = Math.log((counts[token] + 1) / total);
      if (counts[token] > counts[mostFrequent]) {
        mostFrequent = token;
      }
    }
    mostFrequentToken = mostFrequent;
  }

  public double logProbability(int token) {
    return logProbability[token];
  }

  /** The guess of a model without context: its accuracy is the baseline for masked-token accuracy. */
  public int mostFrequentToken() {
    return mostFrequentToken;
  }

  /** Mean cross-entropy in nats per token. */
  public double meanLoss(int[] tokens) {
    if (tokens.length == 0) {
      throw new IllegalArgumentException("No tokens to evaluate");
    }
    double sum = 0;
    for (int token : tokens) {
      sum -= logProbability[token];
    }
    return sum / tokens.length;
  }

  public double perplexity(int[] tokens) {
    return Math.exp(meanLoss(tokens));
  }
}
