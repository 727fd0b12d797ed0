package dev.kiln.activities.hf;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Typed reads of config.json fields with transformers' defaults. A field that is absent takes the default its
 * configuration class declares, as in transformers (hand-written and older configs leave fields out, and older
 * transformers omitted generic ones such as tie_word_embeddings when default); a field that is present with the
 * wrong type or an impossible value is an error naming the file and the field. An explicit {@code null} means "none" for the nullable fields (token ids, n_inner).
 */
final class ConfigFields {
  private final JsonNode root;
  private final String source;

  ConfigFields(JsonNode root, String source) {
    this.root = root;
    this.source = source;
  }

  String source() {
    return source;
  }

  boolean has(String field) {
    return root.has(field) && !root.get(field).isNull();
  }

  JsonNode node(String field) {
    return root.get(field);
  }

  int integer(String field, int defaultValue) {
    Integer value = nullableInteger(field, defaultValue);
    if (value == null) {
      throw invalid(field, "null", "an integer");
    }
    return value;
  }

  /** A positive size: a dimension, a count of layers or heads. */
  int positive(String field, int defaultValue) {
    int value = integer(field, defaultValue);
    if (value <= 0) {
      throw invalid(field, Integer.toString(value), "a positive integer");
    }
    return value;
  }

  Integer nullableInteger(String field, Integer defaultValue) {
    JsonNode node = root.get(field);
    if (node == null) {
      return defaultValue;
    }
    if (node.isNull()) {
      return null;
    }
    if (!node.isIntegralNumber() || !node.canConvertToInt()) {
      throw invalid(field, describe(node), "an integer");
    }
    return node.asInt();
  }

  /** Token ids such as eos_token_id, which transformers accepts as one id or a list of them. */
  List<Integer> tokenIds(String field, Integer defaultValue) {
    JsonNode node = root.get(field);
    if (node != null && node.isArray()) {
      List<Integer> ids = new ArrayList<>();
      for (JsonNode id : node) {
        if (!id.isIntegralNumber() || !id.canConvertToInt()) {
          throw invalid(field, describe(node), "a token id or a list of token ids");
        }
        ids.add(id.asInt());
      }
      return List.copyOf(ids);
    }
    Integer id = nullableInteger(field, defaultValue);
    return id == null ? List.of() : List.of(id);
  }

  double number(String field, double defaultValue) {
    JsonNode node = root.get(field);
    if (node == null) {
      return defaultValue;
    }
    if (!node.isNumber()) {
      throw invalid(field, describe(node), "a number");
    }
    return node.asDouble();
  }

  /** An epsilon, a theta: a number above zero. */
  double positiveNumber(String field, double defaultValue) {
    double value = number(field, defaultValue);
    if (!(value > 0) || Double.isInfinite(value)) {
      throw invalid(field, Double.toString(value), "a positive number");
    }
    return value;
  }

  boolean bool(String field, boolean defaultValue) {
    JsonNode node = root.get(field);
    if (node == null) {
      return defaultValue;
    }
    if (!node.isBoolean()) {
      throw invalid(field, describe(node), "true or false");
    }
    return node.asBoolean();
  }

  /** Whether the field is present and exactly {@code false} (T5 reads tie_word_embeddings this way). */
  boolean isFalse(String field) {
    JsonNode node = root.get(field);
    if (node != null && !node.isNull() && !node.isBoolean()) {
      throw invalid(field, describe(node), "true or false");
    }
    return node != null && node.isBoolean() && !node.asBoolean();
  }

  String string(String field, String defaultValue) {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return defaultValue;
    }
    if (!node.isTextual()) {
      throw invalid(field, describe(node), "a string");
    }
    return node.asText();
  }

  HfConfigException invalid(String field, String actual, String expected) {
    return new HfConfigException(
        source + ": field " + field + " is " + actual + " but must be " + expected + "; fix config.json");
  }

  /** A problem with the combination of fields, not one of them alone. */
  HfConfigException problem(String message) {
    return new HfConfigException(source + ": " + message);
  }

  static String describe(JsonNode node) {
    String text = node.toString();
    String shown = text.length() <= 40 ? text : text.substring(0, 40) + "…";
    return shown + " (" + node.getNodeType().name().toLowerCase(Locale.ROOT) + ")";
  }
}
