package dev.kiln.activities.evaluation;

import ai.djl.ndarray.NDManager;
import dev.kiln.activities.training.TransformerModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A labelled task built from the held-out split alone: which document (book, handbook page) does a passage
 * come from? A linear probe on the frozen model's mean-pooled features answers it; the seed's claim is that
 * an encoder's bidirectional features serve such classification better than a decoder's, and this puts a
 * number on it for each model Kiln trains. Documents are balanced (the same number of passages each), and
 * each document's earlier passages train the probe while its later ones test it.
 */
public final class DocumentOfOriginProbe {

  static final int MAX_DOCUMENTS = 8;
  static final int MIN_PASSAGES = 4;
  static final int MAX_PASSAGES = 40;
  static final int MAX_PASSAGE_LENGTH = 64;
  private static final int PASSAGES_PER_BATCH = 16;

  /** @param chance accuracy of always guessing one document (the documents are balanced) */
  public record Result(double accuracy, double chance, int documents, int trainPassages, int testPassages) {}

  private DocumentOfOriginProbe() {}

  /**
   * @param endOfText the id that separates documents in the token stream
   * @return null when the held-out split has fewer than two documents long enough for the task
   */
  public static Result run(TransformerModel model, int[] heldOut, int endOfText, Runnable progress) {
    int length = Math.min(model.shape().contextLength(), MAX_PASSAGE_LENGTH);
    List<int[]> documents = documents(heldOut, endOfText).stream()
        .filter(d -> d.length / length >= MIN_PASSAGES)
        .sorted(Comparator.comparingInt((int[] d) -> d.length).reversed())
        .limit(MAX_DOCUMENTS)
        .toList();
    if (documents.size() < 2) {
      return null;
    }
    int perDocument = Math.min(MAX_PASSAGES, documents.stream().mapToInt(d -> d.length / length).min().orElseThrow());
    int trainPerDocument = perDocument * 3 / 4;
    List<int[]> trainPassages = new ArrayList<>();
    List<int[]> testPassages = new ArrayList<>();
    List<Integer> trainLabels = new ArrayList<>();
    List<Integer> testLabels = new ArrayList<>();
    for (int label = 0; label < documents.size(); label++) {
      int[] document = documents.get(label);
      // Passages spread over the whole document, so "later" means later in the book, not the next page.
      int stride = document.length / perDocument;
      for (int p = 0; p < perDocument; p++) {
        int[] passage = Arrays.copyOfRange(document, p * stride, p * stride + length);
        (p < trainPerDocument ? trainPassages : testPassages).add(passage);
        (p < trainPerDocument ? trainLabels : testLabels).add(label);
      }
    }
    LinearProbe probe = LinearProbe.fit(features(model, trainPassages, length, progress), ints(trainLabels), documents.size());
    double accuracy = probe.accuracy(features(model, testPassages, length, progress), ints(testLabels));
    return new Result(accuracy, 1.0 / documents.size(), documents.size(), trainPassages.size(), testPassages.size());
  }

  /** Mean over positions of the model's last hidden states, one row per passage. */
  private static float[][] features(TransformerModel model, List<int[]> passages, int length, Runnable progress) {
    float[][] rows = new float[passages.size()][];
    int d = model.shape().dModel();
    for (int first = 0; first < passages.size(); first += PASSAGES_PER_BATCH) {
      int count = Math.min(PASSAGES_PER_BATCH, passages.size() - first);
      int[] tokens = new int[count * length];
      for (int i = 0; i < count; i++) {
        System.arraycopy(passages.get(first + i), 0, tokens, i * length, length);
      }
      try (NDManager scratch = model.newStepManager()) {
        float[] pooled = model.features(scratch, tokens, count, length).mean(new int[] {1}).toFloatArray();
        for (int i = 0; i < count; i++) {
          rows[first + i] = Arrays.copyOfRange(pooled, i * d, (i + 1) * d);
        }
      }
      progress.run();
    }
    return rows;
  }

  private static List<int[]> documents(int[] tokens, int endOfText) {
    List<int[]> documents = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= tokens.length; i++) {
      if (i == tokens.length || tokens[i] == endOfText) {
        if (i > start) {
          documents.add(Arrays.copyOfRange(tokens, start, i));
        }
        start = i + 1;
      }
    }
    return documents;
  }

  private static int[] ints(List<Integer> values) {
    return values.stream().mapToInt(Integer::intValue).toArray();
  }
}
