package dev.kiln.activities.scope;

import dev.kiln.workflows.training.Objective;
import java.util.Map;

/**
 * Which transformer family and pretraining objective fit a task, and why (the seed's rule of thumb).
 */
public record ArchitectureChoice(String architecture, String objective, String reason) {
  private static final ArchitectureChoice ENCODER =
      new ArchitectureChoice(
          Objective.MLM.architecture(),
          Objective.MLM.id(),
          "understanding tasks read the whole input at once: an encoder-only model (BERT/RoBERTa-like) pretrained"
              + " with masked language modeling sees context on both sides of every token");
  private static final ArchitectureChoice DECODER =
      new ArchitectureChoice(
          Objective.CLM.architecture(),
          Objective.CLM.id(),
          "generation produces text left to right: a decoder-only model (GPT/BLOOM-like) pretrained with causal"
              + " language modeling (next-token prediction) generates and works zero-shot");
  private static final ArchitectureChoice ENCODER_DECODER =
      new ArchitectureChoice(
          Objective.SPAN_CORRUPTION.architecture(),
          Objective.SPAN_CORRUPTION.id(),
          "the task maps an input text to a new output text: an encoder-decoder model (T5-like) pretrained with"
              + " span corruption (spans replaced by sentinel tokens, the decoder reconstructs them) fits"
              + " sequence-to-sequence work");

  private static final Map<String, ArchitectureChoice> BY_TASK =
      Map.of(
          "classification", ENCODER,
          "ner", ENCODER,
          "generation", DECODER,
          "translation", ENCODER_DECODER,
          "summarization", ENCODER_DECODER,
          "qa", ENCODER_DECODER);

  public static ArchitectureChoice forTask(String task) {
    ArchitectureChoice choice = BY_TASK.get(task);
    if (choice == null) {
      throw new IllegalArgumentException("unknown task '" + task + "'; known: " + BY_TASK.keySet());
    }
    return choice;
  }
}
