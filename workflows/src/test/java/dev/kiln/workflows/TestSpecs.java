package dev.kiln.workflows;

import dev.kiln.workflows.spec.CurationProfile;
import dev.kiln.workflows.spec.CurationStepSpec;
import dev.kiln.workflows.spec.RunSpec;
import java.util.List;

/** A valid RunSpec to start from; tests change one part at a time. */
public final class TestSpecs {
  private TestSpecs() {}

  public static RunSpec valid() {
    return new RunSpec(
        "tiny-gpt",
        new RunSpec.UseCase("generation", "prose", List.of("en")),
        new RunSpec.Budget(1e13, 0.05, 20),
        new RunSpec.ModelChoice("auto", null),
        new RunSpec.DataSpec(List.of("raw/gutenberg/"), 0.05, 200, false, null),
        new RunSpec.CurationSpec("curation/books.yaml", List.of("en"), 0.65, new CurationProfile("books",
            List.of(new CurationStepSpec.GopherQuality(50, 2_000_000, 3, 10, 0.1, 0.9, 0.3, 0.8, 2)), true,
            new CurationProfile.NearDedup(14, 8, 5))),
        new RunSpec.TokenizerSpec(4096),
        training(0, 0, 0, 0),
        new RunSpec.EvaluationSpec(3, 48, 0.8, List.of("The "), 200_000),
        null);
  }

  public static RunSpec.TrainingSpec training(int steps, int dModel, int layers, int heads) {
    return new RunSpec.TrainingSpec(128, 16, steps, dModel, layers, heads, 3e-3, 3e-4, 10, 0.1, 1.0, 0.0, 1234, 20, 50, "cpu");
  }

  public static RunSpec withTask(RunSpec s, String task) {
    return new RunSpec(s.name(), new RunSpec.UseCase(task, "x", List.of("en")), s.budget(), s.model(), s.data(),
        s.curation(), s.tokenizer(), s.training(), s.evaluation(), s.resilience());
  }

  /** The spec with data.onlyNew and the given whenNothingNew policy (null: the default, skip). */
  public static RunSpec onlyNew(RunSpec s, String whenNothingNew) {
    RunSpec.DataSpec d = s.data();
    return new RunSpec(s.name(), s.useCase(), s.budget(), s.model(),
        new RunSpec.DataSpec(d.rawPrefixes(), d.heldOutFraction(), d.documentsPerShard(), true, whenNothingNew),
        s.curation(), s.tokenizer(), s.training(), s.evaluation(), s.resilience());
  }

  /** The spec with evaluation.compareWithDecoder set (null: left out). */
  public static RunSpec comparingWithDecoder(RunSpec s, Boolean compare) {
    RunSpec.EvaluationSpec e = s.evaluation();
    return new RunSpec(s.name(), s.useCase(), s.budget(), s.model(), s.data(), s.curation(), s.tokenizer(), s.training(),
        new RunSpec.EvaluationSpec(e.samples(), e.maxNewTokens(), e.temperature(), e.prompts(), e.maxHeldOutTokens(), compare),
        s.resilience());
  }

  /** The spec with another training.device. */
  public static RunSpec withDevice(RunSpec s, String device) {
    RunSpec.TrainingSpec t = s.training();
    return withTraining(s, new RunSpec.TrainingSpec(t.contextLength(), t.batchSize(), t.steps(), t.dModel(), t.layers(),
        t.heads(), t.learningRate(), t.minLearningRate(), t.warmupSteps(), t.weightDecay(), t.gradClip(), t.dropout(),
        t.seed(), t.checkpointEvery(), t.segmentSteps(), device, t.activation(), t.architecture()));
  }

  /** The spec with training.activation set (null: left out). */
  public static RunSpec withActivation(RunSpec s, String activation) {
    RunSpec.TrainingSpec t = s.training();
    return withTraining(s, new RunSpec.TrainingSpec(t.contextLength(), t.batchSize(), t.steps(), t.dModel(), t.layers(),
        t.heads(), t.learningRate(), t.minLearningRate(), t.warmupSteps(), t.weightDecay(), t.gradClip(), t.dropout(),
        t.seed(), t.checkpointEvery(), t.segmentSteps(), t.device(), activation, t.architecture()));
  }

  /** The spec with training.architecture set (null: left out, the family's default). */
  public static RunSpec withArchitecture(RunSpec s, String architecture) {
    return withTraining(s, s.training().withArchitecture(architecture));
  }

  public static RunSpec withTraining(RunSpec s, RunSpec.TrainingSpec t) {
    return new RunSpec(s.name(), s.useCase(), s.budget(), s.model(), s.data(), s.curation(), s.tokenizer(), t, s.evaluation(), s.resilience());
  }
}
