package dev.kiln.activities.hub;

import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.scope.Architecture;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.scope.ModelType;
import dev.kiln.workflows.training.MlpActivation;
import java.util.List;
import java.util.Map;

/**
 * A model hub card (after Mitchell et al., "Model Cards for Model Reporting", and the Hugging Face card
 * fields): what the model is, how it was trained, what it is good for and where it falls short. Stored as
 * YAML at {@code hub/<id>/card.yaml}; weights, if the hub holds them, at {@code weights}.
 *
 * @param shape the exact transformer shape, when the hub holds weights Kiln can load
 * @param weights S3 key of the weights (safetensors), or null when the hub only describes the model
 * @param tokenizer S3 key of the tokenizer.json, or null
 * @param published when Kiln published it (ISO-8601), or null for a card seeded from configs/hub; with
 *     {@code model.strategy: auto} the newest published fitting model is continued from
 * @param modelType the network, or null on cards written before it was recorded: the family's legacy network (Kiln's
 *     GPT, encoder or encoder-decoder)
 * @param llama the model is a Llama of these options (with {@code shape}); null for the other networks
 * @param activation a GPT's MLP activation when it is not the exact GELU (GPT-2's {@code gelu_new}), else null
 * @param source where an imported Hugging Face model came from ({@code hf:org/name@commit}, {@code s3:hub/<id>/},
 *     {@code file:/path}); null for a model Kiln trained or a seeded card. A later import of the same source reuses
 *     the entry; no import replaces an entry of another source
 * @param datasets the datasets its own card names (Hub dataset ids), or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
public record ModelCard(
    String id,
    Architecture architecture,
    Objective objective,
    long parameters,
    ModelShape shape,
    String tokenizer,
    String weights,
    String license,
    List<String> languages,
    List<String> intendedUses,
    String trainingData,
    List<String> limitations,
    Map<String, Double> evalResults,
    String publishedBy,
    String published,
    ModelType modelType,
    LlamaOptions llama,
    MlpActivation activation,
    String source,
    List<String> datasets) {

  /** A card of Kiln's own architectures, not imported. */
  public ModelCard(String id, Architecture architecture, Objective objective, long parameters, ModelShape shape,
      String tokenizer, String weights, String license, List<String> languages, List<String> intendedUses,
      String trainingData, List<String> limitations, Map<String, Double> evalResults, String publishedBy,
      String published) {
    this(id, architecture, objective, parameters, shape, tokenizer, weights, license, languages, intendedUses,
        trainingData, limitations, evalResults, publishedBy, published, null, null, null, null, null);
  }

  /** The network, with the legacy one of the family for cards that name none. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public ModelType modelTypeOrLegacy() {
    return modelType != null ? modelType : ModelType.legacyFor(architecture);
  }
}
