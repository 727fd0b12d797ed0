package dev.kiln.activities.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * config.json to {@link HfModelConfig}. The defaults are those of transformers' configuration classes
 * (GPT2Config, LlamaConfig, BertConfig, RobertaConfig, T5Config in transformers 5); where transformers derives a
 * value (n_inner, head_dim, num_key_value_heads, T5's activation and decoder-output scaling) it is derived the same
 * way here, so a config transformers loads means the same model to Kiln.
 */
final class HfConfigParser {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The activation names transformers accepts (its ACT2FN table). */
  static final Set<String> ACTIVATIONS =
      Set.of(
          "gelu", "gelu_10", "gelu_fast", "gelu_new", "gelu_python", "gelu_pytorch_tanh", "gelu_python_tanh",
          "gelu_accurate", "hardswish", "laplace", "leaky_relu", "linear", "mish", "quick_gelu", "relu", "relu2",
          "relu6", "sigmoid", "silu", "sqrtsoftplus", "swish", "tanh", "prelu", "xielu");

  /** RoPE types whose parameters are plain numbers; longrope's per-dimension lists are not read yet. */
  static final List<String> ROPE_TYPES = List.of("default", "linear", "dynamic", "yarn", "llama3");

  private HfConfigParser() {}

  static HfModelConfig parse(byte[] json, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new HfConfigException(
          source
              + " is not valid JSON (line "
              + e.getLocation().getLineNr()
              + ", column "
              + e.getLocation().getColumnNr()
              + "); fix or download it again");
    } catch (IOException e) {
      throw new HfConfigException(source + " cannot be read as JSON; download it again", e);
    }
    if (root == null || !root.isObject()) {
      throw new HfConfigException(source + " is not a JSON object; it is not a transformers config.json");
    }
    ConfigFields fields = new ConfigFields(root, source);
    String supported = String.join(", ", HfModelConfig.SUPPORTED_MODEL_TYPES);
    if (!fields.has("model_type")) {
      throw new HfConfigException(
          source
              + " has no field model_type, which names the architecture (one of "
              + supported
              + "); add it as save_pretrained writes it, e.g. \"model_type\": \"gpt2\"");
    }
    String modelType = fields.string("model_type", null);
    return switch (modelType) {
      case "gpt2" -> gpt2(fields);
      case "llama" -> llama(fields);
      case "bert" -> bert(fields);
      case "roberta" -> roberta(fields);
      case "t5" -> t5(fields);
      default -> throw new HfConfigException(
          source
              + ": model_type "
              + excerpt(modelType)
              + " is not supported; Kiln imports model types "
              + supported
              + " (choose a model of one of these architectures)");
    };
  }

  private static Gpt2Config gpt2(ConfigFields f) {
    int hidden = f.positive("n_embd", 768);
    int heads = f.positive("n_head", 12);
    divisible(f, "n_embd", hidden, "n_head", heads);
    Integer inner = f.nullableInteger("n_inner", null);
    if (inner != null && inner <= 0) {
      throw f.invalid("n_inner", inner.toString(), "a positive integer or null");
    }
    unsupportedIfTrue(f, "add_cross_attention", "GPT-2 with cross-attention is an encoder-decoder part");
    return new Gpt2Config(
        f.positive("vocab_size", 50257),
        f.positive("n_positions", 1024),
        hidden,
        f.positive("n_layer", 12),
        heads,
        inner == null ? 4 * hidden : inner,
        activation(f, "activation_function", "gelu_new"),
        f.positiveNumber("layer_norm_epsilon", 1e-5),
        f.bool("scale_attn_weights", true),
        f.bool("scale_attn_by_inverse_layer_idx", false),
        f.bool("reorder_and_upcast_attn", false),
        f.bool("tie_word_embeddings", true),
        f.nullableInteger("bos_token_id", 50256),
        f.tokenIds("eos_token_id", 50256),
        f.nullableInteger("pad_token_id", null));
  }

  private static LlamaConfig llama(ConfigFields f) {
    int hidden = f.positive("hidden_size", 4096);
    int heads = f.positive("num_attention_heads", 32);
    divisible(f, "hidden_size", hidden, "num_attention_heads", heads);
    Integer kvHeads = f.nullableInteger("num_key_value_heads", null);
    int keyValueHeads = kvHeads == null ? heads : kvHeads;
    if (keyValueHeads <= 0) {
      throw f.invalid("num_key_value_heads", Integer.toString(keyValueHeads), "a positive integer");
    }
    divisible(f, "num_attention_heads", heads, "num_key_value_heads", keyValueHeads);
    Integer headDim = f.nullableInteger("head_dim", null);
    if (headDim != null && headDim <= 0) {
      throw f.invalid("head_dim", headDim.toString(), "a positive integer");
    }
    int maxPositions = f.positive("max_position_embeddings", 2048);
    return new LlamaConfig(
        f.positive("vocab_size", 32000),
        hidden,
        f.positive("intermediate_size", 11008),
        f.positive("num_hidden_layers", 32),
        heads,
        keyValueHeads,
        headDim == null ? hidden / heads : headDim,
        activation(f, "hidden_act", "silu"),
        maxPositions,
        f.positiveNumber("rms_norm_eps", 1e-6),
        rope(f, maxPositions),
        f.bool("attention_bias", false),
        f.bool("mlp_bias", false),
        f.bool("tie_word_embeddings", false),
        f.nullableInteger("bos_token_id", 1),
        f.tokenIds("eos_token_id", 2),
        f.nullableInteger("pad_token_id", null));
  }

  private static RopeParameters rope(ConfigFields f, int maxPositions) {
    String field = f.has("rope_scaling") ? "rope_scaling" : "rope_parameters";
    JsonNode node = f.node(field);
    double topTheta = f.positiveNumber("rope_theta", RopeParameters.DEFAULT_THETA);
    if (node == null || node.isNull()) {
      return new RopeParameters("default", topTheta, Map.of());
    }
    if (!node.isObject()) {
      throw f.invalid(field, ConfigFields.describe(node), "an object such as {\"rope_type\": \"default\"}");
    }
    JsonNode typeNode = node.has("rope_type") ? node.get("rope_type") : node.get("type");
    String type = typeNode == null || typeNode.isNull() ? "default" : typeNode.asText();
    if (!ROPE_TYPES.contains(type)) {
      throw f.problem(
          field
              + ".rope_type "
              + excerpt(type)
              + " is not supported; Kiln reads rope types "
              + String.join(", ", ROPE_TYPES));
    }
    double theta = topTheta;
    Map<String, Double> scaling = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String key = entry.getKey();
      JsonNode value = entry.getValue();
      if (key.equals("rope_type") || key.equals("type") || value.isNull()) {
        continue;
      }
      if (!value.isNumber()) {
        throw f.invalid(field + "." + key, ConfigFields.describe(value), "a number");
      }
      if (key.equals("rope_theta")) {
        theta = value.asDouble();
        if (!(theta > 0)) {
          throw f.invalid(field + ".rope_theta", Double.toString(theta), "a positive number");
        }
      } else {
        scaling.put(key, value.asDouble());
      }
    }
    if (Set.of("llama3", "yarn").contains(type)) {
      // transformers: a top-level original_max_position_embeddings wins, else the rope dict's, else max positions
      if (f.has("original_max_position_embeddings")) {
        scaling.put(
            "original_max_position_embeddings", (double) f.positive("original_max_position_embeddings", maxPositions));
      } else {
        scaling.putIfAbsent("original_max_position_embeddings", (double) maxPositions);
      }
    }
    if (!type.equals("default") && !scaling.containsKey("factor")) {
      throw f.problem(field + " of rope_type " + type + " has no factor; add the factor the model was trained with");
    }
    return new RopeParameters(type, theta, scaling);
  }

  private static BertConfig bert(ConfigFields f) {
    encoderOnly(f);
    int hidden = f.positive("hidden_size", 768);
    int heads = f.positive("num_attention_heads", 12);
    divisible(f, "hidden_size", hidden, "num_attention_heads", heads);
    return new BertConfig(
        f.positive("vocab_size", 30522),
        hidden,
        f.positive("num_hidden_layers", 12),
        heads,
        f.positive("intermediate_size", 3072),
        activation(f, "hidden_act", "gelu"),
        f.positive("max_position_embeddings", 512),
        f.positive("type_vocab_size", 2),
        f.positiveNumber("layer_norm_eps", 1e-12),
        f.nullableInteger("pad_token_id", 0),
        f.bool("tie_word_embeddings", true));
  }

  private static RobertaConfig roberta(ConfigFields f) {
    encoderOnly(f);
    int hidden = f.positive("hidden_size", 768);
    int heads = f.positive("num_attention_heads", 12);
    divisible(f, "hidden_size", hidden, "num_attention_heads", heads);
    Integer pad = f.nullableInteger("pad_token_id", 1);
    if (pad == null || pad < 0) {
      throw f.invalid("pad_token_id", String.valueOf(pad), "a token id: RoBERTa numbers positions from it");
    }
    int maxPositions = f.positive("max_position_embeddings", 512);
    if (maxPositions <= pad + 1) {
      throw f.problem(
          "max_position_embeddings "
              + maxPositions
              + " leaves no positions: RoBERTa's start at pad_token_id + 1 = "
              + (pad + 1));
    }
    return new RobertaConfig(
        f.positive("vocab_size", 50265),
        hidden,
        f.positive("num_hidden_layers", 12),
        heads,
        f.positive("intermediate_size", 3072),
        activation(f, "hidden_act", "gelu"),
        maxPositions,
        f.positive("type_vocab_size", 2),
        f.positiveNumber("layer_norm_eps", 1e-12),
        pad,
        f.nullableInteger("bos_token_id", 0),
        f.tokenIds("eos_token_id", 2),
        f.bool("tie_word_embeddings", true));
  }

  private static T5Config t5(ConfigFields f) {
    String proj = f.string("feed_forward_proj", "relu");
    String[] parts = proj.split("-", -1);
    if ((parts.length > 1 && !parts[0].equals("gated")) || parts.length > 2) {
      throw f.invalid("feed_forward_proj", excerpt(proj), "an activation or gated-<activation>, e.g. relu or gated-gelu");
    }
    String act = proj.equals("gated-gelu") ? "gelu_new" : parts[parts.length - 1];
    if (!ACTIVATIONS.contains(act)) {
      throw f.invalid("feed_forward_proj", excerpt(proj), "of an activation transformers knows");
    }
    int layers = f.positive("num_layers", 6);
    Integer decoderLayers = f.nullableInteger("num_decoder_layers", null);
    if (decoderLayers != null && decoderLayers <= 0) {
      throw f.invalid("num_decoder_layers", decoderLayers.toString(), "a positive integer");
    }
    boolean untied = f.isFalse("tie_word_embeddings");
    boolean scale = f.has("scale_decoder_outputs") ? f.bool("scale_decoder_outputs", true) : !untied;
    return new T5Config(
        f.positive("vocab_size", 32128),
        f.positive("d_model", 512),
        f.positive("d_kv", 64),
        f.positive("d_ff", 2048),
        layers,
        decoderLayers == null ? layers : decoderLayers,
        f.positive("num_heads", 8),
        f.positive("relative_attention_num_buckets", 32),
        f.positive("relative_attention_max_distance", 128),
        f.positiveNumber("layer_norm_epsilon", 1e-6),
        proj,
        act,
        parts[0].equals("gated"),
        !untied,
        scale,
        f.nullableInteger("pad_token_id", 0),
        f.tokenIds("eos_token_id", 1),
        f.nullableInteger("decoder_start_token_id", null));
  }

  private static String activation(ConfigFields f, String field, String defaultValue) {
    String act = f.string(field, defaultValue);
    if (!ACTIVATIONS.contains(act)) {
      throw f.invalid(field, excerpt(act), "an activation transformers knows (e.g. gelu, gelu_new, relu, silu)");
    }
    return act;
  }

  /** Kiln imports BERT-style models as masked-LM encoders: a decoder variant has other weights and masking. */
  private static void encoderOnly(ConfigFields f) {
    unsupportedIfTrue(f, "is_decoder", "Kiln imports BERT-style models as bidirectional encoders");
    unsupportedIfTrue(f, "add_cross_attention", "Kiln imports BERT-style models as bidirectional encoders");
    String positions = f.string("position_embedding_type", "absolute");
    if (!positions.equals("absolute")) {
      throw f.problem(
          "position_embedding_type "
              + excerpt(positions)
              + " is not supported: transformers 5 and Kiln implement only absolute positions");
    }
  }

  private static void unsupportedIfTrue(ConfigFields f, String field, String why) {
    if (f.bool(field, false)) {
      throw f.problem("field " + field + " is true, which Kiln does not import: " + why);
    }
  }

  private static void divisible(ConfigFields f, String field, int value, String byField, int by) {
    if (value % by != 0) {
      throw f.problem(
          field + " " + value + " is not a multiple of " + byField + " " + by + "; one of the two is wrong");
    }
  }

  private static String excerpt(String text) {
    return text.length() <= 40 ? "\"" + text + "\"" : "\"" + text.substring(0, 40) + "…\"";
  }
}
