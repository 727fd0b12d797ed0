package dev.kiln.activities.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LinearProbeTest {

  /** Three classes whose means differ along one of 8 noisy features. */
  private static float[][] features(int[] labels, double separation, SplittableRandom random) {
    float[][] x = new float[labels.length][8];
    for (int i = 0; i < labels.length; i++) {
      for (int j = 0; j < 8; j++) {
        x[i][j] = (float) random.nextGaussian();
      }
      x[i][labels[i]] += (float) separation;
    }
    return x;
  }

  private static int[] labels(int n, SplittableRandom random) {
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = random.nextInt(3);
    }
    return labels;
  }

  @Test
  void readsALinearlySeparableLabelAndNotAnAbsentOne() {
    SplittableRandom random = new SplittableRandom(1);
    int[] train = labels(300, random);
    int[] test = labels(300, random);
    LinearProbe separable = LinearProbe.fit(features(train, 6, random), train, 3);
    assertTrue(separable.accuracy(features(test, 6, random), test) > 0.95);
    LinearProbe blind = LinearProbe.fit(features(train, 0, random), train, 3);
    assertEquals(1.0 / 3, blind.accuracy(features(test, 0, random), test), 0.1, "no signal, chance accuracy");
  }
}
