package dev.kiln.workflows.spec;

import java.util.List;
import java.util.stream.Collectors;

/** A RunSpec that cannot run; the message lists every problem with its field and fix. */
public class InvalidRunSpecException extends RuntimeException {
  private final String source;
  private final List<SpecProblem> problems;

  public InvalidRunSpecException(String source, List<SpecProblem> problems) {
    super(format(source, problems));
    this.source = source;
    this.problems = List.copyOf(problems);
  }

  public String source() {
    return source;
  }

  public List<SpecProblem> problems() {
    return problems;
  }

  private static String format(String source, List<SpecProblem> problems) {
    return "invalid run spec " + source + ":\n"
        + problems.stream().map(p -> "  - " + p).collect(Collectors.joining("\n"));
  }
}
