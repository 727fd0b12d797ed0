package dev.kiln.activities.evaluation;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.hf.HfFileSource;
import dev.kiln.activities.hf.HfModelDirectory;
import dev.kiln.activities.hf.export.HfDecoderImport;
import dev.kiln.activities.hf.RandomAccessBytes;
import dev.kiln.activities.hub.ModelCard;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.tokenizer.BpeTokenizer;
import dev.kiln.activities.training.BertArchitecture;
import dev.kiln.activities.training.BertModel;
import dev.kiln.activities.training.LlamaModel;
import dev.kiln.activities.training.T5Architecture;
import dev.kiln.activities.training.T5HfWeights;
import dev.kiln.activities.training.T5Model;
import dev.kiln.activities.training.TransformerModel;
import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.scope.ModelType;
import dev.kiln.workflows.training.MlpActivation;
import dev.kiln.workflows.training.Objective;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A model to generate or evaluate with, read whole: a model directory as Kiln saves it under {@code runs/<run>/model/}
 * (a Hugging Face GPT-2, Llama, BERT, RoBERTa or T5 directory, or Kiln's own config.json for its pre-LN encoder and
 * encoder-decoder), any Hugging Face directory of those model types, or a hub entry (card, weights, tokenizer).
 *
 * @param source where it was read from, for messages
 * @param activation a GPT's MLP activation, or null (the default, exact GELU)
 * @param llama a Llama's options, or null when the model is not a Llama
 * @param bert a BERT's or RoBERTa's architecture, or null
 * @param t5 a T5's architecture, or null
 * @param weights in Kiln's names and layouts
 */
public record SavedModel(String source, Objective objective, ModelShape shape, MlpActivation activation,
    LlamaOptions llama, BertArchitecture bert, T5Architecture t5, byte[] weights, byte[] tokenizerJson) {
  /** T5 has no length limit of its own: the windows a Hugging Face T5 is scored on, when no Kiln run says. */
  static final int T5_CONTEXT = 512;
  private static final long MAX_CONFIG_BYTES = 1 << 20;
  private static final long MAX_TOKENIZER_BYTES = 256L << 20;

  /** A model directory as evaluation writes it under {@code runs/<run>/model/}. */
  public static SavedModel fromDirectory(HfFileSource files) {
    String where = files.describe();
    try {
      for (String name : new String[] {"config.json", "model.safetensors", "tokenizer.json"}) {
        if (!files.exists(name)) {
          throw new IllegalArgumentException(where + " has no " + name + ": a model directory Kiln saved holds"
              + " config.json, model.safetensors and tokenizer.json (runs/<run>/model/)");
        }
      }
      JsonNode config = new ObjectMapper().readTree(files.readAll("config.json", MAX_CONFIG_BYTES));
      if (config.has("model_type")) {
        // a T5 Kiln trained says its context under "kiln"; another T5 is scored in windows of T5's usual length
        int t5Context = config.path("kiln").path("n_positions").asInt(T5_CONTEXT);
        return fromHuggingFace(files, config.get("model_type").asText(), t5Context);
      }
      if (!config.has("objective")) {
        throw new IllegalArgumentException(where + "/config.json names no objective and no model_type: it is neither"
            + " a model directory Kiln saved nor a Hugging Face model");
      }
      Objective objective = Objective.of(config.get("objective").asText());
      ModelShape shape = new ModelShape(field(config, "vocab_size", where), field(config, "n_positions", where),
          field(config, "n_embd", where), field(config, "n_layer", where), field(config, "n_head", where));
      byte[] weights;
      try (RandomAccessBytes bytes = files.open("model.safetensors")) {
        ByteBuffer all = bytes.slice(0, Math.toIntExact(bytes.size()));
        weights = new byte[all.remaining()];
        all.get(weights);
      }
      return new SavedModel(where, objective, shape, null, null, null, null, weights,
          files.readAll("tokenizer.json", MAX_TOKENIZER_BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the model at " + where + ": " + e.getMessage(), e);
    }
  }

  /** A Hugging Face directory of a model type Kiln computes exactly. */
  private static SavedModel fromHuggingFace(HfFileSource files, String modelType, int t5Context) throws IOException {
    if (!List.of("gpt2", "llama", "bert", "roberta", "t5").contains(modelType)) {
      throw new IllegalArgumentException(files.describe() + " holds a Hugging Face " + modelType + " model; kiln generate"
          + " and kiln evaluate read Kiln's own models and Hugging Face gpt2, llama, bert, roberta and t5 directories");
    }
    try (HfModelDirectory directory = HfModelDirectory.open(files)) {
      byte[] tokenizer = files.readAll(HfModelDirectory.TOKENIZER, MAX_TOKENIZER_BYTES);
      String where = files.describe();
      switch (modelType) {
        case "llama", "gpt2" -> {
          HfDecoderImport decoder = HfDecoderImport.of(directory);
          return new SavedModel(where, Objective.CLM, decoder.shape(), decoder.activation(), decoder.llama(), null, null,
              decoder.safetensors(), tokenizer);
        }
        case "t5" -> {
          try (T5Model model = T5HfWeights.load(directory, t5Context, 0, Device.cpu())) {
            return new SavedModel(where, Objective.SPAN_CORRUPTION, model.architecture().shape(), null, null, null,
                model.architecture(), model.weights(), tokenizer);
          }
        }
        default -> {
          try (BertModel model = BertModel.fromHf(directory, 0, Device.cpu())) {
            return new SavedModel(where, Objective.MLM, model.architecture().modelShape(), null, null,
                model.architecture(), null, model.weights(), tokenizer);
          }
        }
      }
    }
  }

  /** A hub entry: its card names the weights, tokenizer, shape and, for a Llama or a GPT with gelu_new, the rest. */
  public static SavedModel fromHub(ObjectStore store, ModelCard card) {
    if (card.weights() == null || card.tokenizer() == null || card.shape() == null) {
      throw new IllegalArgumentException("hub model '" + card.id() + "' has no weights, tokenizer or exact shape on"
          + " its card: it describes a model, it cannot be run");
    }
    ModelType type = card.modelTypeOrLegacy();
    return new SavedModel("hub model " + card.id(), card.objective(), card.shape(), card.activation(), card.llama(),
        type.encoderFlavor() == null ? null : BertArchitecture.forKiln(type.encoderFlavor(), card.shape()),
        type.t5Variant() == null ? null : T5Architecture.of(card.shape(), type.t5Variant()),
        store.get(card.weights()), store.get(card.tokenizer()));
  }

  /** The model with its weights, on {@code device}; the caller closes it. */
  public TransformerModel load(Device device) {
    if (llama == null && bert == null && t5 == null) {
      return TransformerModel.load(objective, shape, activation, weights, device);
    }
    TransformerModel model = llama != null ? new LlamaModel(shape, llama, 0, device)
        : bert != null ? new BertModel(bert, 0, device) : new T5Model(t5, 0, device);
    try {
      model.loadWeights(weights);
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /** Its tokenizer; the caller closes it. */
  public BpeTokenizer tokenizer() {
    return BpeTokenizer.loadForText(tokenizerJson, "of " + source);
  }

  private static int field(JsonNode config, String name, String where) {
    JsonNode value = config.get(name);
    if (value == null || !value.canConvertToInt() || value.asInt() <= 0) {
      throw new IllegalArgumentException(where + "/config.json: " + name + " must be a positive integer, got " + value);
    }
    return value.asInt();
  }
}
