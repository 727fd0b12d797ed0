package dev.kiln.workflows.scope;

import java.util.List;
import java.util.Optional;

/**
 * The shapes Kiln sizes models on: (d_model, layers, heads), smallest first; heads divide d_model, head size 32 to
 * 128. The scope stage picks the rung nearest the compute-optimal size; a scaling-law ladder names its sizes by their
 * d_model. Each d_model appears once.
 */
public final class ShapeLadder {
  /** (d_model, layers, heads), smallest first. */
  public static final List<int[]> SHAPES =
      List.of(
          new int[] {64, 2, 2},
          new int[] {96, 3, 3},
          new int[] {128, 4, 4},
          new int[] {192, 4, 6},
          new int[] {256, 6, 8},
          new int[] {384, 6, 6},
          new int[] {512, 8, 8},
          new int[] {768, 12, 12},
          new int[] {1024, 16, 16},
          new int[] {1536, 24, 16},
          new int[] {2048, 24, 16},
          new int[] {4096, 32, 32});

  private ShapeLadder() {}

  /** The shape of d_model {@code size} at that vocabulary and context, if the ladder has one. */
  public static Optional<ModelShape> shape(int size, int vocabSize, int contextLength) {
    return SHAPES.stream().filter(s -> s[0] == size).findFirst()
        .map(s -> new ModelShape(vocabSize, contextLength, s[0], s[1], s[2]));
  }

  /** The d_model of every shape, smallest first, for messages. */
  public static List<Integer> sizes() {
    return SHAPES.stream().map(s -> s[0]).toList();
  }
}
