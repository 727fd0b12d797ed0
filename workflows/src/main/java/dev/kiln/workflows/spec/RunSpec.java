package dev.kiln.workflows.spec;

import java.util.List;

/**
 * Everything a pretraining run needs, as read from a YAML file in configs/. Travels through workflow
 * history, so it holds settings only, never data.
 */
public record RunSpec(
    String name,
    UseCase useCase,
    Budget budget,
    ModelChoice model,
    DataSpec data,
    CurationSpec curation,
    TokenizerSpec tokenizer,
    TrainingSpec training,
    EvaluationSpec evaluation) {

  /** What the model is for; the task decides the architecture family and objective. */
  public record UseCase(String task, String description, List<String> languages) {}

  /**
   * Compute budget in training FLOPs (C ~ 6 N D) and what is expected of curation: the fraction of raw
   * tokens that survives the filters, and the tokens-per-parameter ratio (Chinchilla: ~20).
   */
  public record Budget(double trainingFlops, double expectedCurationYield, double tokensPerParameter) {}

  /** {@code strategy}: auto (pick from the hub if a card fits, else scratch), scratch, or continue (from {@code hubModel}). */
  public record ModelChoice(String strategy, String hubModel) {}

  /**
   * Raw data: S3 prefixes (under {@code raw/}) to read, the fraction of kept documents held out whole for
   * evaluation (chosen by a hash of the document id, so the split is stable), and how many raw objects
   * one curation shard reads.
   *
   * @param onlyNew curate only the raw objects that no completed earlier run of this spec (its {@code name}: the
   *     lineage, e.g. a schedule's nightly runs) has consumed; a run records what it consumed when it completes
   *     (optional, default false)
   * @param whenNothingNew with {@code onlyNew}, when no new raw object has arrived: {@code skip} (the run ends at
   *     once, completed with stage {@code skipped}, not failed) or {@code all} (curate every raw object again);
   *     optional, default skip
   */
  public record DataSpec(
      List<String> rawPrefixes, double heldOutFraction, int documentsPerShard, Boolean onlyNew, String whenNothingNew) {
    public static final String SKIP = "skip";
    public static final String ALL = "all";

    /** {@link #onlyNew}, with its default (false). */
    public boolean newDataOnly() {
      return Boolean.TRUE.equals(onlyNew);
    }

    /** {@link #whenNothingNew}, with its default. */
    public String nothingNewPolicy() {
      return whenNothingNew == null ? SKIP : whenNothingNew;
    }
  }

  /**
   * What to keep: the run's languages (language identification and the per-language word lists), and the
   * curation profile that lists the steps and thresholds. {@code profile} is the file's path relative to the
   * run spec; {@code rules} is its content, filled in by the loader.
   */
  public record CurationSpec(String profile, List<String> languages, double minLanguageConfidence, CurationProfile rules) {}

  public record TokenizerSpec(int vocabSize) {}

  /**
   * Training hyperparameters. {@code steps}, {@code dModel}, {@code layers}, {@code heads} of 0 mean
   * "derive from the compute budget in the scope stage".
   */
  public record TrainingSpec(
      int contextLength,
      int batchSize,
      int steps,
      int dModel,
      int layers,
      int heads,
      double learningRate,
      double minLearningRate,
      int warmupSteps,
      double weightDecay,
      double gradClip,
      double dropout,
      long seed,
      int checkpointEvery,
      int segmentSteps,
      String device) {}

  public record EvaluationSpec(int samples, int maxNewTokens, double temperature, List<String> prompts, int maxHeldOutTokens) {}
}
