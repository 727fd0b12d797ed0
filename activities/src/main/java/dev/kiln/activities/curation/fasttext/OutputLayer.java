package dev.kiln.activities.curation.fasttext;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns the hidden vector into the k most probable labels, as fastText's losses predict: scores are
 * {@code log(p + 1e-5)} in float, labels below {@code threshold} are left out, and the best k are kept with a
 * min-heap on the score.
 */
abstract class OutputLayer {

  /** A label and its score, {@code log(probability + 1e-5)}. */
  record Scored(float score, int label) {}

  final Matrix output;

  OutputLayer(Matrix output) {
    this.output = output;
  }

  static OutputLayer of(int loss, Matrix output, long[] labelCounts) {
    return switch (loss) {
      case ModelArgs.LOSS_HS -> new HierarchicalSoftmax(output, labelCounts);
      case ModelArgs.LOSS_SOFTMAX -> new Softmax(output);
      case ModelArgs.LOSS_NS, ModelArgs.LOSS_OVA -> new BinaryLogistic(output);
      default -> throw new IllegalArgumentException("unknown fastText loss " + loss);
    };
  }

  /** fastText's {@code std_log}: the float log of {@code x + 1e-5} (x itself first rounded to float). */
  static float stdLog(double x) {
    return (float) Math.log((double) (float) x + 1e-5);
  }

  /** The best {@code k} labels, most probable first. */
  abstract List<Scored> predict(float[] hidden, int k, float threshold);

  /**
   * The k best scores so far, as fastText keeps them: a binary min-heap in an array, sifted exactly as the C++
   * standard library of the Linux builds (libstdc++) does {@code push_heap}, {@code pop_heap} and {@code sort_heap},
   * so that labels of equal probability come out in fastText's order too.
   */
  static final class TopK {
    private final int k;
    private float[] scores;
    private int[] labels;
    private int size;

    TopK(int k) {
      this.k = k;
      scores = new float[Math.min(k, 255) + 1];
      labels = new int[scores.length];
    }

    boolean full() {
      return size == k;
    }

    float lowest() {
      return scores[0];
    }

    void offer(float score, int label) {
      if (size == scores.length) {
        grow();
      }
      scores[size] = score;
      labels[size] = label;
      size++;
      siftUp(size - 1, 0, score, label);
      if (size > k) {
        popTo(size - 1);
        size--;
      }
    }

    private void grow() {
      scores = java.util.Arrays.copyOf(scores, scores.length * 2);
      labels = java.util.Arrays.copyOf(labels, labels.length * 2);
    }

    /** libstdc++ __push_heap: moves the hole at {@code hole} up while its parent scores higher. */
    private void siftUp(int hole, int top, float score, int label) {
      int parent = (hole - 1) / 2;
      while (hole > top && scores[parent] > score) {
        scores[hole] = scores[parent];
        labels[hole] = labels[parent];
        hole = parent;
        parent = (hole - 1) / 2;
      }
      scores[hole] = score;
      labels[hole] = label;
    }

    /** libstdc++ __pop_heap: the lowest goes to {@code last}, the heap is [0, last). */
    private void popTo(int last) {
      float score = scores[last];
      int label = labels[last];
      scores[last] = scores[0];
      labels[last] = labels[0];
      int len = last;
      int hole = 0;
      int child = 0;
      while (child < (len - 1) / 2) {
        child = 2 * (child + 1);
        if (scores[child] > scores[child - 1]) {
          child--;
        }
        scores[hole] = scores[child];
        labels[hole] = labels[child];
        hole = child;
      }
      if ((len & 1) == 0 && child == (len - 2) / 2) {
        child = 2 * (child + 1);
        scores[hole] = scores[child - 1];
        labels[hole] = labels[child - 1];
        hole = child - 1;
      }
      siftUp(hole, 0, score, label);
    }

    /** libstdc++ sort_heap, which leaves the highest score first. */
    List<Scored> bestFirst() {
      for (int last = size - 1; last > 0; last--) {
        popTo(last);
      }
      List<Scored> sorted = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        sorted.add(new Scored(scores[i], labels[i]));
      }
      return sorted;
    }
  }

  /** Computes every label's probability, then keeps the best (softmax, one-vs-all, negative sampling). */
  abstract static class Flat extends OutputLayer {
    Flat(Matrix output) {
      super(output);
    }

    abstract float[] probabilities(float[] hidden);

    @Override
    List<Scored> predict(float[] hidden, int k, float threshold) {
      float[] p = probabilities(hidden);
      TopK top = new TopK(k);
      for (int i = 0; i < p.length; i++) {
        if (p[i] < threshold) {
          continue;
        }
        float score = stdLog(p[i]);
        if (top.full() && score < top.lowest()) {
          continue;
        }
        top.offer(score, i);
      }
      return top.bestFirst();
    }
  }

  static final class Softmax extends Flat {
    Softmax(Matrix output) {
      super(output);
    }

    @Override
    float[] probabilities(float[] hidden) {
      int n = (int) output.rows();
      float[] out = new float[n];
      for (int i = 0; i < n; i++) {
        out[i] = output.dotRow(hidden, i);
      }
      float max = out[0];
      for (int i = 0; i < n; i++) {
        max = Math.max(out[i], max);
      }
      float z = 0f;
      for (int i = 0; i < n; i++) {
        out[i] = (float) Math.exp(out[i] - max);
        z += out[i];
      }
      for (int i = 0; i < n; i++) {
        out[i] /= z;
      }
      return out;
    }
  }

  /** Each label's own sigmoid, read from fastText's 512-step table as it does for these losses. */
  static final class BinaryLogistic extends Flat {
    private static final int TABLE_SIZE = 512;
    private static final int MAX_SIGMOID = 8;
    private static final float[] SIGMOID = new float[TABLE_SIZE + 1];

    static {
      for (int i = 0; i <= TABLE_SIZE; i++) {
        float x = (float) (i * 2 * MAX_SIGMOID) / TABLE_SIZE - MAX_SIGMOID;
        SIGMOID[i] = (float) (1.0 / (1.0 + (float) Math.exp(-x)));
      }
    }

    BinaryLogistic(Matrix output) {
      super(output);
    }

    static float sigmoid(float x) {
      if (x < -MAX_SIGMOID) {
        return 0f;
      } else if (x > MAX_SIGMOID) {
        return 1f;
      }
      return SIGMOID[(int) ((x + MAX_SIGMOID) * TABLE_SIZE / MAX_SIGMOID / 2)];
    }

    @Override
    float[] probabilities(float[] hidden) {
      int n = (int) output.rows();
      float[] out = new float[n];
      for (int i = 0; i < n; i++) {
        out[i] = sigmoid(output.dotRow(hidden, i));
      }
      return out;
    }
  }

  /**
   * Hierarchical softmax: a Huffman tree over the labels by their training counts, built exactly as fastText
   * builds it (leaves are labels 0..n-1, which fastText sorted by falling count; inner nodes n..2n-2, the root
   * last). Output row {@code node - n} scores an inner node; its right child has probability sigmoid(score). The
   * search goes depth first, left before right, and stops where the score falls below the threshold or below the
   * k-th best found so far, as fastText's does.
   */
  static final class HierarchicalSoftmax extends OutputLayer {
    private final int labels;
    private final int[] left;
    private final int[] right;

    HierarchicalSoftmax(Matrix output, long[] counts) {
      super(output);
      labels = counts.length;
      int nodes = 2 * labels - 1;
      left = new int[Math.max(nodes, 0)];
      right = new int[Math.max(nodes, 0)];
      long[] count = new long[Math.max(nodes, 0)];
      java.util.Arrays.fill(left, -1);
      java.util.Arrays.fill(right, -1);
      java.util.Arrays.fill(count, 1_000_000_000_000_000L);
      System.arraycopy(counts, 0, count, 0, labels);
      int leaf = labels - 1;
      int node = labels;
      for (int i = labels; i < nodes; i++) {
        int[] pick = new int[2];
        for (int j = 0; j < 2; j++) {
          if (leaf >= 0 && count[leaf] < count[node]) {
            pick[j] = leaf--;
          } else {
            pick[j] = node++;
          }
        }
        left[i] = pick[0];
        right[i] = pick[1];
        count[i] = count[pick[0]] + count[pick[1]];
      }
    }

    @Override
    List<Scored> predict(float[] hidden, int k, float threshold) {
      TopK top = new TopK(k);
      if (labels > 0) {
        dfs(top, stdLog(threshold), 2 * labels - 2, 0f, hidden);
      }
      return top.bestFirst();
    }

    private void dfs(TopK top, float minScore, int node, float score, float[] hidden) {
      if (score < minScore) {
        return;
      }
      if (top.full() && score < top.lowest()) {
        return;
      }
      if (left[node] == -1 && right[node] == -1) {
        top.offer(score, node);
        return;
      }
      float f = output.dotRow(hidden, node - labels);
      f = (float) (1.0 / (1f + (float) Math.exp(-f)));
      dfs(top, minScore, left[node], score + stdLog(1.0 - f), hidden);
      dfs(top, minScore, right[node], score + stdLog(f), hidden);
    }
  }
}
