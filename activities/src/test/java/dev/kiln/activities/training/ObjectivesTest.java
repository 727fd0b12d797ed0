package dev.kiln.activities.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.Objective;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ObjectivesTest {

  private static final int TOKENIZER_VOCAB = 500;
  private static final int[] STREAM = new SplittableRandom(3).ints(20_000, 2, TOKENIZER_VOCAB).toArray();

  private static ModelShape shape(Objective objective, int context) {
    return new ModelShape(objective.modelVocabSize(TOKENIZER_VOCAB, context), context, 32, 2, 4);
  }

  @Test
  void mlmSelectsFifteenPercentAndMasksEightyRandomTenKeepsTen() {
    ModelShape shape = shape(Objective.MLM, 128);
    PretrainingObjective mlm = PretrainingObjective.of(Objective.MLM, STREAM, shape, 16, 7);
    int maskToken = MaskedLanguageModeling.maskToken(shape.vocabSize());
    assertEquals(TOKENIZER_VOCAB, maskToken, "[MASK] is the first id after the tokenizer's");
    long positions = 0;
    long selected = 0;
    long masked = 0;
    long unchanged = 0;
    long maskedOutsideSelection = 0;
    for (int step = 0; step < 50; step++) {
      TrainingBatch batch = mlm.batch(step);
      int[] original = new TokenWindows(STREAM, 16, 7).windows(step, 128);
      for (int i = 0; i < batch.inputs().length; i++) {
        positions++;
        boolean isSelected = batch.targets()[i] != TrainingBatch.IGNORED;
        if (!isSelected) {
          if (batch.inputs()[i] != original[i]) {
            maskedOutsideSelection++;
          }
          continue;
        }
        selected++;
        assertEquals(original[i], batch.targets()[i], "the target is the original token");
        if (batch.inputs()[i] == maskToken) {
          masked++;
        } else if (batch.inputs()[i] == original[i]) {
          unchanged++;
        }
      }
    }
    // ~102k positions, ~15k selected: 3-sigma bounds are about +-0.3 % and +-1 %.
    assertEquals(0.15, (double) selected / positions, 0.005);
    assertEquals(0.80, (double) masked / selected, 0.015);
    // A random replacement equals the original with probability ~1/500, so "unchanged" is ~10.02 %.
    assertEquals(0.10, (double) unchanged / selected, 0.01);
    assertEquals(0.10, (double) (selected - masked - unchanged) / selected, 0.01);
    assertEquals(0, maskedOutsideSelection, "only selected tokens are corrupted");
  }

  @Test
  void mlmBatchesArePureFunctionsOfSeedAndStep() {
    ModelShape shape = shape(Objective.MLM, 64);
    TrainingBatch a = PretrainingObjective.of(Objective.MLM, STREAM, shape, 4, 11).batch(5);
    TrainingBatch b = PretrainingObjective.of(Objective.MLM, STREAM, shape, 4, 11).batch(5);
    assertArrayEquals(a.inputs(), b.inputs());
    assertArrayEquals(a.targets(), b.targets());
    assertFalse(Arrays.equals(a.targets(), PretrainingObjective.of(Objective.MLM, STREAM, shape, 4, 11).batch(6).targets()));
  }

  @Test
  void spanCorruptionKeepsSentinelOrderAndTheOriginalIsRecoverable() {
    int context = 128;
    ModelShape shape = shape(Objective.SPAN_CORRUPTION, context);
    int spans = Objective.spans(context);
    assertEquals(19, Objective.noiseTokens(context));
    assertEquals(6, spans);
    SplittableRandom random = new SplittableRandom(1);
    long noiseSpanTokens = 0;
    for (int sample = 0; sample < 500; sample++) {
      int offset = random.nextInt(STREAM.length - context);
      int[] window = Arrays.copyOfRange(STREAM, offset, offset + context);
      SpanCorruption.Corrupted c = SpanCorruption.corrupt(window, shape.vocabSize(), random);
      assertEquals(SpanCorruption.inputLength(context), c.input().length);
      assertEquals(SpanCorruption.targetLength(context), c.target().length);
      assertEquals(sentinelsIn(c.input(), shape.vocabSize()), sentinelsIn(c.target(), shape.vocabSize()));
      List<Integer> expectedOrder = new ArrayList<>();
      for (int s = 0; s < spans; s++) {
        expectedOrder.add(SpanCorruption.sentinel(shape.vocabSize(), s));
      }
      assertEquals(expectedOrder, sentinelsIn(c.input(), shape.vocabSize()), "sentinels in order, each once");
      assertTrue(c.input()[0] < TOKENIZER_VOCAB, "the window starts with text");
      assertTrue(c.target()[0] >= TOKENIZER_VOCAB, "the target starts with the first sentinel");
      assertArrayEquals(window, reconstruct(c.input(), c.target()));
      noiseSpanTokens += c.target().length - spans;
    }
    assertEquals(19.0, (double) noiseSpanTokens / 500, 1e-9, "exactly 15 % of 128, rounded, is dropped");
  }

  @Test
  void spanLengthsAreUniformOverSplitsSoTheBaselinesStructureCostIsExact() {
    // A window of 64 drops 10 tokens in 3 spans: C(9, 2) = 36 equally likely splits, ln 36 nats.
    int context = 64;
    ModelShape shape = shape(Objective.SPAN_CORRUPTION, context);
    Map<List<Integer>, Integer> splits = new HashMap<>();
    SplittableRandom random = new SplittableRandom(2);
    int samples = 36_000;
    for (int sample = 0; sample < samples; sample++) {
      int[] target = SpanCorruption.corrupt(Arrays.copyOf(STREAM, context), shape.vocabSize(), random).target();
      List<Integer> lengths = SpanCorruptionEvaluator.spansOf(target, TOKENIZER_VOCAB).stream().map(span -> span.length).toList();
      splits.merge(lengths, 1, Integer::sum);
    }
    assertEquals(36, splits.size());
    for (Map.Entry<List<Integer>, Integer> split : splits.entrySet()) {
      assertEquals(1000, split.getValue(), 150, "split " + split.getKey()); // ~4.7 standard deviations
    }
    assertEquals(Math.log(36), SpanCorruptionEvaluator.structureEntropy(context), 1e-12);
    assertEquals(Math.log(binomial(18, 5)), SpanCorruptionEvaluator.structureEntropy(128), 1e-9, "19 tokens in 6 spans");
  }

  private static double binomial(int n, int k) {
    double b = 1;
    for (int i = 1; i <= k; i++) {
      b = b * (n - k + i) / i;
    }
    return b;
  }

  @Test
  void spanCorruptionBatchFeedsTheDecoderTheTargetShiftedRight() {
    ModelShape shape = shape(Objective.SPAN_CORRUPTION, 64);
    TrainingBatch batch = PretrainingObjective.of(Objective.SPAN_CORRUPTION, STREAM, shape, 3, 5).batch(2);
    int length = batch.decoderLength();
    for (int row = 0; row < 3; row++) {
      assertEquals(TrainingBatch.PAD, batch.decoderInputs()[row * length]);
      for (int t = 1; t < length; t++) {
        assertEquals(batch.targets()[row * length + t - 1], batch.decoderInputs()[row * length + t]);
      }
    }
    assertEquals(batch.targets().length, batch.predictedPositions(), "every target position has a loss");
  }

  @Test
  void decodedSpansAreReadBetweenSentinels() {
    int firstSentinel = 100;
    List<int[]> spans = SpanCorruptionEvaluator.spansOf(new int[] {102, 5, 6, 101, 7, 100, 8, 9, 9}, firstSentinel);
    assertEquals(3, spans.size());
    assertArrayEquals(new int[] {5, 6}, spans.get(0));
    assertArrayEquals(new int[] {7}, spans.get(1));
    assertArrayEquals(new int[] {8, 9, 9}, spans.get(2));
    assertTrue(SpanCorruptionEvaluator.spansOf(new int[] {5, 6}, firstSentinel).isEmpty(), "no sentinel, no span");
  }

  private static List<Integer> sentinelsIn(int[] tokens, int modelVocab) {
    List<Integer> sentinels = new ArrayList<>();
    for (int token : tokens) {
      if (token >= TOKENIZER_VOCAB && token < modelVocab) {
        sentinels.add(token);
      }
    }
    return sentinels;
  }

  /** Puts each span of the target back in place of its sentinel in the input. */
  private static int[] reconstruct(int[] input, int[] target) {
    List<Integer> out = new ArrayList<>();
    for (int token : input) {
      if (token < TOKENIZER_VOCAB) {
        out.add(token);
        continue;
      }
      int at = indexOf(target, token) + 1;
      while (at < target.length && target[at] < TOKENIZER_VOCAB) {
        out.add(target[at++]);
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  private static int indexOf(int[] tokens, int token) {
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] == token) {
        return i;
      }
    }
    throw new AssertionError("sentinel " + token + " missing from the target");
  }
}
