package dev.kiln.workflows.ladder;

import dev.kiln.workflows.spec.RunSpec;
import java.util.List;

/**
 * A scaling-law ladder: many small runs of one run spec at different sizes and token counts, whose held-out losses a
 * scaling law is fitted to. Either IsoFLOP profiles ({@code budgets} x {@code sizes}: for each compute budget C and
 * each size, a model of that size trained on D = C / 6N tokens) or explicit {@code points} (a size and its tokens).
 * Sizes are shapes of the scope stage's shape ladder, named by their d_model ({@code ShapeLadder}).
 *
 * @param run the run spec every rung trains with (task, data, curation, tokenizer, hyperparameters); its
 *     {@code training.steps}, {@code dModel}, {@code layers} and {@code heads} must be 0: the ladder sets them
 * @param budgets compute budgets in training FLOPs (IsoFLOP profiles), or empty with {@code points}
 * @param sizes d_model of the shapes trained at every budget, or empty with {@code points}
 * @param points explicit (size, tokens) rungs, or empty with {@code budgets}
 * @param maxConcurrentRungs rungs training at once (each is one training workflow on the gpu queue)
 * @param maxRungAttempts times a rung is started before it counts as failed (a failed or killed rung is started
 *     again alone; the other rungs go on)
 * @param minStepsPerRung a rung that its budget buys fewer optimizer steps of is refused before anything starts
 */
public record LadderSpec(
    RunSpec run,
    List<Double> budgets,
    List<Integer> sizes,
    List<Point> points,
    int maxConcurrentRungs,
    int maxRungAttempts,
    int minStepsPerRung) {

  public static final int DEFAULT_MAX_CONCURRENT_RUNGS = 2;
  public static final int DEFAULT_MAX_RUNG_ATTEMPTS = 3;
  public static final int DEFAULT_MIN_STEPS_PER_RUNG = 20;

  /** One explicit rung: the shape of d_model {@code size} trained on {@code tokens} tokens. */
  public record Point(int size, long tokens) {}

  /** An IsoFLOP ladder with the default limits. */
  public static LadderSpec isoFlop(RunSpec run, List<Double> budgets, List<Integer> sizes) {
    return new LadderSpec(run, budgets, sizes, List.of(), DEFAULT_MAX_CONCURRENT_RUNGS, DEFAULT_MAX_RUNG_ATTEMPTS,
        DEFAULT_MIN_STEPS_PER_RUNG);
  }

  /** A ladder of explicit points with the default limits. */
  public static LadderSpec ofPoints(RunSpec run, List<Point> points) {
    return new LadderSpec(run, List.of(), List.of(), points, DEFAULT_MAX_CONCURRENT_RUNGS, DEFAULT_MAX_RUNG_ATTEMPTS,
        DEFAULT_MIN_STEPS_PER_RUNG);
  }

  public LadderSpec withLimits(int maxConcurrentRungs, int maxRungAttempts, int minStepsPerRung) {
    return new LadderSpec(run, budgets, sizes, points, maxConcurrentRungs, maxRungAttempts, minStepsPerRung);
  }

  /** Whether the rungs are IsoFLOP profiles (else explicit points). */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public boolean isoFlop() {
    return points == null || points.isEmpty();
  }

  /** Where a ladder's results are in the bucket. */
  public static String prefix(String ladderId) {
    return "ladders/" + ladderId + "/";
  }

  public static String rungKey(String ladderId, String rung) {
    return prefix(ladderId) + "rungs/" + rung + ".json";
  }

  public static String reportKey(String ladderId) {
    return prefix(ladderId) + "report.json";
  }
}
