package dev.kiln.workflows.spec;

/** One thing wrong with a RunSpec: the field (a dotted path), what is wrong, and how to fix it. */
public record SpecProblem(String field, String problem, String fix) {
  @Override
  public String toString() {
    return field + ": " + problem + " (fix: " + fix + ")";
  }
}
