package dev.kiln.activities.evaluation;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.hf.HfFileSource;
import dev.kiln.activities.hf.RandomAccessBytes;
import dev.kiln.activities.hub.ModelCard;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.tokenizer.BpeTokenizer;
import dev.kiln.activities.training.TransformerModel;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.Objective;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model Kiln trained, as it saves it: the directory {@code runs/<run>/model/} (config.json, model.safetensors,
 * tokenizer.json) or a hub entry (card, weights, tokenizer), read back to generate or evaluate with.
 *
 * @param source where it was read from, for messages
 */
public record SavedModel(String source, Objective objective, ModelShape shape, byte[] weights, byte[] tokenizerJson) {
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
      if (!config.has("objective")) {
        throw new IllegalArgumentException(where + "/config.json names no objective: it is not a model directory"
            + " Kiln saved" + (config.has("model_type") ? " (a Hugging Face " + config.get("model_type").asText()
            + " model: import it with model.strategy: continue)" : ""));
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
      return new SavedModel(where, objective, shape, weights, files.readAll("tokenizer.json", MAX_TOKENIZER_BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the model at " + where + ": " + e.getMessage(), e);
    }
  }

  /** A hub entry: its card names the weights and tokenizer. */
  public static SavedModel fromHub(ObjectStore store, ModelCard card) {
    if (card.weights() == null || card.tokenizer() == null || card.shape() == null) {
      throw new IllegalArgumentException("hub model '" + card.id() + "' has no weights, tokenizer or exact shape on"
          + " its card: it describes a model, it cannot be run");
    }
    return new SavedModel("hub model " + card.id(), card.objective(), card.shape(), store.get(card.weights()),
        store.get(card.tokenizer()));
  }

  /** The model with its weights, on {@code device}; the caller closes it. */
  public TransformerModel load(Device device) {
    return TransformerModel.load(objective, shape, weights, device);
  }

  /** Its tokenizer; the caller closes it. */
  public BpeTokenizer tokenizer() {
    try {
      Path file = Files.createTempFile("kiln-tokenizer", ".json");
      try {
        Files.write(file, tokenizerJson);
        return BpeTokenizer.load(file);
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load the tokenizer of " + source, e);
    }
  }

  private static int field(JsonNode config, String name, String where) {
    JsonNode value = config.get(name);
    if (value == null || !value.canConvertToInt() || value.asInt() <= 0) {
      throw new IllegalArgumentException(where + "/config.json: " + name + " must be a positive integer, got " + value);
    }
    return value.asInt();
  }
}
