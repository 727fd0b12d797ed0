package dev.kiln.activities.ladder;

import dev.kiln.activities.scope.ArchitectureChoice;
import dev.kiln.activities.scope.ScopeActivitiesImpl;
import dev.kiln.workflows.ladder.LadderPlan;
import dev.kiln.workflows.ladder.LadderRung;
import dev.kiln.workflows.ladder.LadderSpec;
import dev.kiln.workflows.ladder.LadderValidator;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.scope.ModelType;
import dev.kiln.workflows.scope.ScopePlan;
import dev.kiln.workflows.scope.ShapeLadder;
import dev.kiln.workflows.spec.InvalidRunSpecException;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.spec.SpecProblem;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * From a ladder spec to its rungs: each size is a shape of the shape ladder at the run's vocabulary and context, its
 * parameters those of the run's network, and an IsoFLOP rung trains on D = C / 6N tokens in whole steps. The CLI plans
 * before it starts a ladder and the workflow plans again as its first activity, so a ladder that cannot be built
 * (a budget too small for a size, a shape the network cannot take) is refused before anything runs.
 */
public final class LadderPlanner {
  private LadderPlanner() {}

  /** @throws InvalidRunSpecException naming every field that is wrong and its fix */
  public static LadderPlan plan(LadderSpec spec, String source) {
    List<SpecProblem> problems = new ArrayList<>(LadderValidator.validate(spec));
    if (!problems.isEmpty()) {
      throw new InvalidRunSpecException(source, problems);
    }
    RunSpec run = spec.run();
    RunSpec.TrainingSpec t = run.training();
    ArchitectureChoice arch = ArchitectureChoice.forTask(run.useCase().task());
    ModelType type = t.architecture() != null ? ModelType.of(t.architecture()) : ModelType.defaultFor(arch.architecture());
    int vocab = arch.objective().modelVocabSize(run.tokenizer().vocabSize(), t.contextLength());
    long tokensPerStep = (long) t.batchSize() * t.contextLength();

    List<LadderRung> rungs = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    Set<String> names = new HashSet<>();
    if (spec.isoFlop()) {
      for (int b = 0; b < spec.budgets().size(); b++) {
        double budget = spec.budgets().get(b);
        List<String> line = new ArrayList<>();
        for (int s = 0; s < spec.sizes().size(); s++) {
          int size = spec.sizes().get(s);
          String name = "c" + compact(budget) + "-d" + size;
          String field = "ladder.budgets[" + b + "] x ladder.sizes[" + s + "]";
          Sized sized = size(type, size, vocab, t.contextLength(), field, problems);
          if (sized == null) {
            continue;
          }
          long affordable = (long) Math.floor(budget / (6.0 * sized.total));
          long steps = affordable / tokensPerStep;
          if (steps < spec.minStepsPerRung()) {
            double needed = 6.0 * sized.total * tokensPerStep * spec.minStepsPerRung();
            problems.add(new SpecProblem(field, String.format(Locale.ROOT,
                "rung %s exceeds its budget: d_model %d (N=%,d parameters as %s) at C=%.3g FLOPs buys D=C/6N=%,d"
                    + " tokens, %d step(s) of %,d tokens (batchSize x contextLength), fewer than ladder.minStepsPerRung"
                    + " (%d)%s",
                name, size, sized.total, type, budget, affordable, steps, tokensPerStep, spec.minStepsPerRung(),
                steps == 0 ? "; the model alone costs more than the budget" : ""),
                String.format(Locale.ROOT, "raise this budget to at least %.3g FLOPs, drop size %d, or lower"
                    + " ladder.minStepsPerRung or the run's batchSize", needed, size)));
            continue;
          }
          long tokens = steps * tokensPerStep;
          if (!names.add(name)) {
            problems.add(new SpecProblem("ladder.budgets[" + b + "]", "is too close to another budget (both name rung "
                + name + ")", "give budgets that differ in their first three significant digits"));
            continue;
          }
          rungs.add(rung(name, budget, sized, tokens, (int) steps, run, arch, type));
          line.add(String.format(Locale.ROOT, "d%d N=%,d D=%,d (%d steps)", size, sized.nonEmbedding, tokens, steps));
        }
        lines.add(String.format(Locale.ROOT, "C=%.3g: %s", budget, String.join(", ", line)));
      }
    } else {
      for (int i = 0; i < spec.points().size(); i++) {
        LadderSpec.Point p = spec.points().get(i);
        String field = "ladder.points[" + i + "]";
        Sized sized = size(type, p.size(), vocab, t.contextLength(), field + ".size", problems);
        if (sized == null) {
          continue;
        }
        long steps = p.tokens() / tokensPerStep;
        if (steps < spec.minStepsPerRung()) {
          problems.add(new SpecProblem(field + ".tokens", String.format(Locale.ROOT,
              "is %,d tokens, %d step(s) of %,d tokens (batchSize x contextLength), fewer than ladder.minStepsPerRung (%d)",
              p.tokens(), steps, tokensPerStep, spec.minStepsPerRung()),
              String.format(Locale.ROOT, "give at least %,d tokens", tokensPerStep * spec.minStepsPerRung())));
          continue;
        }
        long tokens = steps * tokensPerStep;
        String name = "p" + (i + 1) + "-d" + p.size();
        rungs.add(rung(name, 0, sized, tokens, (int) steps, run, arch, type));
        lines.add(String.format(Locale.ROOT, "%s: N=%,d D=%,d (%d steps)", name, sized.nonEmbedding, tokens, steps));
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidRunSpecException(source, problems);
    }
    String summary = rungs.size() + " rungs of " + type + " (" + arch.objective().id() + ", context "
        + t.contextLength() + ", batch " + t.batchSize() + "); N counts every parameter but the token embedding, D = C/6N"
        + " with N all parameters, in whole steps:\n  " + String.join("\n  ", lines);
    return new LadderPlan(rungs, summary);
  }

  private record Sized(ModelShape shape, long total, long nonEmbedding) {}

  /** The size's shape and parameters for the network, or null with a problem when the ladder cannot build it. */
  private static Sized size(ModelType type, int size, int vocab, int context, String field, List<SpecProblem> problems) {
    ModelShape shape = ShapeLadder.shape(size, vocab, context).orElse(null);
    if (shape == null) {
      problems.add(new SpecProblem(field, "is " + size + ", not a shape the ladder can build",
          "use the d_model of a shape on the shape ladder: " + ShapeLadder.sizes()));
      return null;
    }
    try {
      long total = ScopeActivitiesImpl.parameters(type, shape);
      return new Sized(shape, total, total - (long) shape.vocabSize() * shape.dModel());
    } catch (RuntimeException e) {
      problems.add(new SpecProblem(field, "d_model " + size + " (" + shape.layers() + " layers, " + shape.heads()
          + " heads) is not a shape " + type + " can build: " + e.getMessage(),
          "use another size of the shape ladder " + ShapeLadder.sizes()));
      return null;
    }
  }

  private static LadderRung rung(String name, double budget, Sized sized, long tokens, int steps, RunSpec run,
      ArchitectureChoice arch, ModelType type) {
    long raw = (long) Math.ceil(tokens / run.budget().expectedCurationYield());
    String sizing = String.format(Locale.ROOT, "ladder rung %s: d_model %d, %d layers, %d heads = %,d parameters"
            + " (%,d without the token embedding) on %,d tokens (%d steps)%s", name, sized.shape.dModel(),
        sized.shape.layers(), sized.shape.heads(), sized.total, sized.nonEmbedding, tokens, steps,
        budget > 0 ? String.format(Locale.ROOT, " = C/6N at C=%.3g FLOPs", budget) : "");
    ScopePlan plan = new ScopePlan(run.useCase().task(), arch.architecture(), arch.objective(), arch.reason(),
        sized.shape, sized.total, tokens, raw, steps, sizing, type);
    return new LadderRung(name, budget, sized.nonEmbedding, sized.total, tokens, 6.0 * sized.total * tokens, plan);
  }

  /** 1e11 -> "1e11", 3e11 -> "3e11", 2.5e12 -> "2.5e12": a budget as a rung's name carries it. */
  static String compact(double budget) {
    BigDecimal d = new BigDecimal(budget).round(new MathContext(3));
    int exponent = d.precision() - d.scale() - 1;
    BigDecimal mantissa = d.movePointLeft(exponent).stripTrailingZeros();
    return mantissa.toPlainString() + "e" + exponent;
  }
}
