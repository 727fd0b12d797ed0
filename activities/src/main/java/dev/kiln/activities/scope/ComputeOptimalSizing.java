package dev.kiln.activities.scope;

import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.scope.ShapeLadder;
import java.util.Comparator;
import java.util.List;

/**
 * Compute-optimal sizing after Hoffmann et al. 2022 (Chinchilla): training compute C ~ 6 N D and, at the
 * optimum, D ~ r N tokens with r ~ 20, so N = sqrt(C / 6r). The model shape is the rung of a ladder of
 * GPT-like shapes whose parameter count (embeddings included, as at these small sizes they dominate) is
 * nearest N in log space; the tokens are then what the budget buys for that shape.
 */
public final class ComputeOptimalSizing {
  /** (d_model, layers, heads) rungs, smallest first ({@link ShapeLadder}). */
  static final List<int[]> LADDER = ShapeLadder.SHAPES;

  private ComputeOptimalSizing() {}

  /** The parameter count that is compute-optimal for {@code flops} at {@code tokensPerParameter}. */
  public static double optimalParameters(double flops, double tokensPerParameter) {
    return Math.sqrt(flops / (6 * tokensPerParameter));
  }

  /** The ladder shape nearest to the compute-optimal size. */
  public static ModelShape shapeFor(double flops, double tokensPerParameter, int vocabSize, int contextLength) {
    double target = optimalParameters(flops, tokensPerParameter);
    return LADDER.stream()
        .map(r -> new ModelShape(vocabSize, contextLength, r[0], r[1], r[2]))
        .min(Comparator.comparingDouble(s -> Math.abs(Math.log(s.parameters() / target))))
        .orElseThrow();
  }

  /** Training tokens the budget buys for a model of {@code parameters}: D = C / 6N. */
  public static long tokensFor(double flops, long parameters) {
    return (long) Math.floor(flops / (6.0 * parameters));
  }
}
