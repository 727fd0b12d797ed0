package dev.kiln.activities.hub;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.kiln.activities.storage.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The model hub: cards under {@code hub/<id>/card.yaml} in the bucket. */
public final class ModelHub {
  public static final String PREFIX = "hub/";
  static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER))
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  private final ObjectStore store;

  public ModelHub(ObjectStore store) {
    this.store = store;
  }

  public static String cardKey(String id) {
    return PREFIX + id + "/card.yaml";
  }

  public List<ModelCard> cards() {
    List<ModelCard> cards = new ArrayList<>();
    for (ObjectStore.StoredObject o : store.list(PREFIX)) {
      if (o.key().endsWith("/card.yaml")) {
        cards.add(parse(store.get(o.key()), o.key()));
      }
    }
    return cards;
  }

  public ModelCard card(String id) {
    String key = cardKey(id);
    return store.exists(key) ? parse(store.get(key), key) : null;
  }

  public void publish(ModelCard card) {
    store.put(cardKey(card.id()), toYaml(card).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * Loads every {@code *.yaml} card of a directory (configs/hub) into the hub, replacing cards of the same id.
   *
   * @return the ids loaded
   */
  public List<String> seed(Path cardsDir) {
    List<String> ids = new ArrayList<>();
    try (Stream<Path> files = Files.list(cardsDir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        ModelCard card = parse(Files.readAllBytes(file), file.toString());
        publish(card);
        ids.add(card.id());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read hub cards in " + cardsDir, e);
    }
    return ids;
  }

  static ModelCard parse(byte[] yaml, String source) {
    try {
      return YAML.readValue(yaml, ModelCard.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("model card " + source + " is not valid: " + e.getMessage(), e);
    }
  }

  public static String toYaml(ModelCard card) {
    try {
      return YAML.writeValueAsString(card);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
