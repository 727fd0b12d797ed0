package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.Map;

/**
 * Rotary position embeddings (Su et al. 2021) in transformers' default form, which Llama checkpoints are trained
 * with: position t rotates each pair (i, i + headDim/2) of a query or key by the angle t / theta^(2i / headDim),
 * so that scores depend on the distance between positions only. The pairs are the two halves of a head
 * ({@code rotate_half}), not adjacent elements as in the paper, so imported weights need no permutation.
 *
 * <p>The cosines and sines are computed on the host in fp32, as transformers does, and cached per length in the
 * model's manager: constants that no step allocates and no backward reaches.
 */
final class RotaryEmbedding {
  private final NDManager manager;
  private final int headDim;
  private final float[] inverseFrequencies;
  private final Map<Long, NDList> cosSin = new HashMap<>();

  RotaryEmbedding(NDManager manager, int headDim, double theta) {
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("rotary embeddings need an even head dimension, got " + headDim);
    }
    this.manager = manager;
    this.headDim = headDim;
    this.inverseFrequencies = new float[headDim / 2];
    for (int i = 0; i < inverseFrequencies.length; i++) {
      // 1 / theta^(2i / d) with the exponent rounded to fp32 first, as transformers' arange(0, d, 2).float() / d.
      float exponent = (float) (2 * i) / (float) headDim;
      inverseFrequencies[i] = 1f / (float) Math.pow(theta, exponent);
    }
  }

  /** q or k [batch, heads, time, headDim], rotated: {@code x cos + rotate_half(x) sin}. */
  NDArray apply(NDArray x) {
    NDList table = table(x.getShape().get(2));
    NDList halves = x.split(2, 3);
    NDArray rotated = halves.get(1).neg().concat(halves.get(0), 3);
    return x.mul(table.get(0)).add(rotated.mul(table.get(1)));
  }

  /** cos and sin [time, headDim], each frequency twice (the halves of a head), for positions 0..time-1. */
  private NDList table(long time) {
    return cosSin.computeIfAbsent(time, t -> {
      int n = Math.toIntExact(t);
      float[] cos = new float[n * headDim];
      float[] sin = new float[n * headDim];
      int half = headDim / 2;
      for (int position = 0; position < n; position++) {
        for (int i = 0; i < half; i++) {
          float angle = (float) position * inverseFrequencies[i]; // an fp32 product, as transformers' freqs
          float c = (float) Math.cos(angle);
          float s = (float) Math.sin(angle);
          int at = position * headDim + i;
          cos[at] = c;
          cos[at + half] = c;
          sin[at] = s;
          sin[at + half] = s;
        }
      }
      Shape shape = new Shape(n, headDim);
      return new NDList(manager.create(cos, shape), manager.create(sin, shape));
    });
  }
}
