package dev.kiln.workflows.ladder;

import dev.kiln.workflows.scope.ShapeLadder;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.spec.RunSpecValidator;
import dev.kiln.workflows.spec.SpecProblem;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a ladder before anything runs: pure and deterministic, so the CLI and the workflow apply the same rules.
 * What depends on a network's parameter count (whether a budget buys a rung) is the planner's
 * ({@link LadderActivities#plan}), which the CLI also runs before starting.
 */
public final class LadderValidator {
  /** Approach 3 fits L(N, D) = E + A/N^alpha + B/D^beta: five parameters, so at least five points. */
  public static final int MIN_POINTS = 5;
  /** Approach 2 fits a parabola in log N per budget (three parameters), then a power law across budgets. */
  public static final int MIN_SIZES_PER_BUDGET = 3;
  public static final int MIN_BUDGETS = 2;

  private final List<SpecProblem> problems = new ArrayList<>();

  private LadderValidator() {}

  public static List<SpecProblem> validate(LadderSpec spec) {
    LadderValidator v = new LadderValidator();
    v.run(spec);
    return List.copyOf(v.problems);
  }

  private void run(LadderSpec s) {
    if (s == null) {
      problems.add(new SpecProblem("ladder", "is missing", "give a run spec and --budgets with --sizes, or --points"));
      return;
    }
    for (SpecProblem p : RunSpecValidator.validate(s.run())) {
      problems.add(new SpecProblem("run." + p.field(), p.problem(), p.fix()));
    }
    if (s.run() != null) {
      runFits(s.run());
    }
    boolean hasGrid = !empty(s.budgets()) || !empty(s.sizes());
    boolean hasPoints = !empty(s.points());
    if (hasGrid && hasPoints) {
      problem("ladder.points", "is given together with budgets and sizes",
          "give either IsoFLOP budgets with sizes (--budgets, --sizes) or explicit points (--points), not both");
    } else if (!hasGrid && !hasPoints) {
      problem("ladder.budgets", "is missing, and so are ladder.points",
          "give at least " + MIN_BUDGETS + " budgets with " + MIN_SIZES_PER_BUDGET + " sizes each (e.g. --budgets "
              + "1e11,3e11,1e12 --sizes 64,96,128), or at least " + MIN_POINTS + " points (--points 64:200000,...)");
    } else if (hasGrid) {
      grid(s.budgets(), s.sizes());
    } else {
      points(s.points());
    }
    if (s.maxConcurrentRungs() < 1 || s.maxConcurrentRungs() > 64) {
      problem("ladder.maxConcurrentRungs", "is " + s.maxConcurrentRungs(), "rungs training at once, 1 to 64 (e.g. 2)");
    }
    if (s.maxRungAttempts() < 1 || s.maxRungAttempts() > 10) {
      problem("ladder.maxRungAttempts", "is " + s.maxRungAttempts(), "times a rung is started at most, 1 to 10 (e.g. 3)");
    }
    if (s.minStepsPerRung() < 1 || s.minStepsPerRung() > 1_000_000) {
      problem("ladder.minStepsPerRung", "is " + s.minStepsPerRung(), "the fewest optimizer steps a rung may have, e.g. 20");
    }
  }

  /** The ladder sets each rung's shape and steps, trains from scratch and curates all of the run's data. */
  private void runFits(RunSpec run) {
    RunSpec.TrainingSpec t = run.training();
    if (t != null) {
      if (t.steps() != 0) {
        problem("run.training.steps", "is " + t.steps() + ", but each rung's steps come from its tokens",
            "set training.steps to 0 in the run spec");
      }
      if (t.dModel() != 0 || t.layers() != 0 || t.heads() != 0) {
        problem("run.training.dModel", "fixes a shape (" + t.dModel() + "/" + t.layers() + "/" + t.heads()
            + "), but each rung's shape is one of the ladder's sizes", "set training.dModel, layers and heads to 0");
      }
    }
    if (run.model() != null && "continue".equals(run.model().strategy())) {
      problem("run.model.strategy", "is 'continue', but every rung trains from scratch",
          "use strategy scratch (or auto) for a ladder");
    }
    if (run.data() != null && run.data().newDataOnly()) {
      problem("run.data.onlyNew", "is true, but a ladder curates all of the run's data once",
          "remove data.onlyNew from the run spec");
    }
    if (run.budget() != null && run.budget().ladder() != null) {
      problem("run.budget.ladder", "is " + run.budget().ladder() + ", but a ladder does not size from another ladder",
          "remove budget.ladder from the run spec of a ladder");
    }
  }

  private void grid(List<Double> budgets, List<Integer> sizes) {
    if (empty(budgets) || budgets.size() < MIN_BUDGETS) {
      problem("ladder.budgets", "has " + count(budgets) + " budget(s); the IsoFLOP fit (approach 2) needs at least "
              + MIN_BUDGETS + " to fit how the optimal size grows with compute",
          "give at least " + MIN_BUDGETS + " budgets a factor of ~3 apart, e.g. --budgets 1e11,3e11,1e12");
    } else {
      Set<Double> seen = new HashSet<>();
      for (int i = 0; i < budgets.size(); i++) {
        Double c = budgets.get(i);
        if (c == null || !Double.isFinite(c) || c < 1e6 || c > 1e26) {
          problem("ladder.budgets[" + i + "]", "is " + c, "training FLOPs between 1e6 and 1e26, e.g. 1e11");
        } else if (!seen.add(c)) {
          problem("ladder.budgets[" + i + "]", "repeats " + c, "give each budget once");
        }
      }
    }
    if (empty(sizes) || sizes.size() < MIN_SIZES_PER_BUDGET) {
      problem("ladder.sizes", "has " + count(sizes) + " size(s); the IsoFLOP fit (approach 2) needs at least "
              + MIN_SIZES_PER_BUDGET + " per budget to fit the loss valley's parabola",
          "give at least " + MIN_SIZES_PER_BUDGET + " sizes (d_model of the shape ladder " + ShapeLadder.sizes()
              + "), e.g. --sizes 64,96,128");
    } else {
      sizes("ladder.sizes", sizes);
    }
  }

  private void sizes(String field, List<Integer> sizes) {
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < sizes.size(); i++) {
      Integer size = sizes.get(i);
      if (size == null || ShapeLadder.shape(size, 1, 1).isEmpty()) {
        problem(field + "[" + i + "]", "is " + size + ", not a shape the ladder can build",
            "use the d_model of a shape on the shape ladder: " + ShapeLadder.sizes());
      } else if (!seen.add(size)) {
        problem(field + "[" + i + "]", "repeats " + size, "give each size once");
      }
    }
  }

  private void points(List<LadderSpec.Point> points) {
    if (points.size() < MIN_POINTS) {
      problem("ladder.points", "has " + points.size() + " point(s); the parametric fit (approach 3) has five parameters"
              + " (E, A, alpha, B, beta) and needs at least " + MIN_POINTS + " points",
          "give at least " + MIN_POINTS + " (size, tokens) points spanning sizes and tokens, or IsoFLOP --budgets with"
              + " --sizes");
    }
    Set<LadderSpec.Point> seen = new HashSet<>();
    for (int i = 0; i < points.size(); i++) {
      LadderSpec.Point p = points.get(i);
      String at = "ladder.points[" + i + "]";
      if (p == null) {
        problem(at, "is empty", "give a size and tokens, e.g. 64:200000");
        continue;
      }
      if (ShapeLadder.shape(p.size(), 1, 1).isEmpty()) {
        problem(at + ".size", "is " + p.size() + ", not a shape the ladder can build",
            "use the d_model of a shape on the shape ladder: " + ShapeLadder.sizes());
      }
      if (p.tokens() <= 0) {
        problem(at + ".tokens", "is " + p.tokens(), "training tokens, at least one step's worth, e.g. 200000");
      }
      if (!seen.add(p)) {
        problem(at, "repeats " + p.size() + ":" + p.tokens(), "give each point once");
      }
    }
    if (points.stream().filter(p -> p != null).map(LadderSpec.Point::size).distinct().count() < 2
        && points.size() >= MIN_POINTS) {
      problem("ladder.points", "all have one size", "vary the size: a law in N needs at least two sizes (better three)");
    }
    if (points.stream().filter(p -> p != null).map(LadderSpec.Point::tokens).distinct().count() < 2
        && points.size() >= MIN_POINTS) {
      problem("ladder.points", "all have the same tokens", "vary the tokens: a law in D needs at least two token counts");
    }
  }

  private void problem(String field, String what, String fix) {
    problems.add(new SpecProblem(field, what, fix));
  }

  private static boolean empty(List<?> list) {
    return list == null || list.isEmpty();
  }

  private static int count(List<?> list) {
    return list == null ? 0 : list.size();
  }
}
