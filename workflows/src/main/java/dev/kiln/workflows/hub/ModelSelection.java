package dev.kiln.workflows.hub;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.scope.ModelType;
import dev.kiln.workflows.training.MlpActivation;

/**
 * Stage 2's decision: continue from a hub model or train from scratch, and why.
 *
 * @param decision {@code continue} or {@code scratch}
 * @param hubModelId the card continued from, or null
 * @param weightsKey S3 key of the weights to start from (safetensors), or null
 * @param tokenizerKey S3 key of the tokenizer to reuse, or null (curation trains one)
 * @param shape the shape of the model continued from (training must match it), or null
 * @param modelType the network of the model continued from, or null: a selection recorded before it existed, or a
 *     hub card that names none, which means the family's legacy network ({@link ModelType#legacyFor})
 * @param llama the continued model is a Llama of these options, else null
 * @param activation the continued GPT's MLP activation (GPT-2's {@code gelu_new}), or null for the exact GELU. This,
 *     {@code modelType} and {@code llama} are left out of the JSON when null, so selections recorded before they
 *     existed read as they did and give the same training config
 */
public record ModelSelection(
    String decision,
    String hubModelId,
    String reason,
    String weightsKey,
    String tokenizerKey,
    ModelShape shape,
    @JsonInclude(JsonInclude.Include.NON_NULL) ModelType modelType,
    @JsonInclude(JsonInclude.Include.NON_NULL) LlamaOptions llama,
    @JsonInclude(JsonInclude.Include.NON_NULL) MlpActivation activation) {

  /** A selection of the family's legacy network (a Kiln card of before, or scratch). */
  public ModelSelection(
      String decision, String hubModelId, String reason, String weightsKey, String tokenizerKey, ModelShape shape) {
    this(decision, hubModelId, reason, weightsKey, tokenizerKey, shape, null, null, null);
  }

  public boolean continues() {
    return "continue".equals(decision);
  }
}
