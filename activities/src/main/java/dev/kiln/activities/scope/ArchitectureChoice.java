package dev.kiln.activities.scope;

import dev.kiln.workflows.scope.Architecture;
import dev.kiln.workflows.training.Objective;

/**
 * Which transformer family and pretraining objective fit a task, and why (the seed's rule of thumb).
 */
public record ArchitectureChoice(Architecture architecture, Objective objective, String reason) {
  private static final ArchitectureChoice ENCODER =
      new ArchitectureChoice(
          Objective.MLM.architecture(),
          Objective.MLM,
          "understanding tasks read the whole input at once: an encoder-only model (BERT/RoBERTa-like) pretrained"
              + " with masked language modeling sees context on both sides of every token");
  private static final ArchitectureChoice DECODER =
      new ArchitectureChoice(
          Objective.CLM.architecture(),
          Objective.CLM,
          "generation produces text left to right: a decoder-only model (GPT/BLOOM-like) pretrained with causal"
              + " language modeling (next-token prediction) generates and works zero-shot");
  private static final ArchitectureChoice ENCODER_DECODER =
      new ArchitectureChoice(
          Objective.SPAN_CORRUPTION.architecture(),
          Objective.SPAN_CORRUPTION,
          "the task maps an input text to a new output text: an encoder-decoder model (T5-like) pretrained with"
              + " span corruption (spans replaced by sentinel tokens, the decoder reconstructs them) fits"
              + " sequence-to-sequence work");

  /** The family the seed's rule of thumb ({@link Objective#forTask}) picks, with the reason. */
  public static ArchitectureChoice forTask(String task) {
    return switch (Objective.forTask(task)) {
      case MLM -> ENCODER;
      case CLM -> DECODER;
      case SPAN_CORRUPTION -> ENCODER_DECODER;
    };
  }
}
