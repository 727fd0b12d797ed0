package dev.kiln.activities.hf.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kiln.activities.hf.ExpectedTensor;
import dev.kiln.activities.hf.HfParameterLayout;
import dev.kiln.activities.hf.T5Config;
import dev.kiln.activities.training.T5Architecture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Kiln {@code T5Model} as a Hugging Face T5 directory, which {@code AutoModelForSeq2SeqLM.from_pretrained} and
 * {@code AutoTokenizer.from_pretrained} load with no code of ours and no flags: {@code config.json} (a
 * {@code T5ForConditionalGeneration}), {@code model.safetensors}, {@code generation_config.json}, {@code tokenizer.json}
 * with {@code tokenizer_config.json} and {@code special_tokens_map.json}, and the card {@code README.md}.
 *
 * <p>Kiln's T5 already keeps transformers' names and nn.Linear layouts, and leaves out what transformers leaves out
 * ({@code encoder/decoder.embed_tokens}, a tied {@code lm_head}), so the weights are checked against the layout the
 * config implies and written unchanged. The pad id is the one the model pads and starts its decoder with
 * ({@code decoder_start_token_id} = {@code pad_token_id}, as transformers' T5 requires).
 */
public final class T5HfExport {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private T5HfExport() {}

  /**
   * The export's files by name, in the order they should be written (weights first, the card last).
   *
   * @param kilnWeights a T5's {@code model.safetensors} as Kiln writes it (checkpoint or final model)
   * @param architecture the T5 those weights are of
   * @param dropout the run's dropout, T5's {@code dropout_rate}; it matters only to whoever fine-tunes the export
   * @param tokenizerJson the tokenizer the model was trained with, span-corruption sentinels included
   * @param kiln Kiln's own description of the run, kept in config.json under {@code "kiln"} (may be empty)
   * @throws IllegalArgumentException naming the tensor, field or token when the weights or the tokenizer are not of
   *     this architecture
   */
  public static Map<String, byte[]> files(byte[] kilnWeights, T5Architecture architecture, double dropout,
      byte[] tokenizerJson, String readme, Map<String, Object> kiln) {
    T5TokenizerFiles tokenizer = T5TokenizerFiles.of(tokenizerJson, architecture.padTokenId());
    if (tokenizer.idCount() > architecture.vocabSize()) {
      throw new IllegalArgumentException("the tokenizer has id " + (tokenizer.idCount() - 1) + " but the model only "
          + architecture.vocabSize() + " ids: it was not trained with this tokenizer");
    }
    T5Config config = config(architecture, tokenizer.eosId());
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(HfExportFiles.WEIGHTS, Safetensors.write(weights(Safetensors.read(kilnWeights), config), Map.of()));
    files.put(HfExportFiles.CONFIG, json(configJson(config, dropout, kiln)));
    files.put(HfExportFiles.GENERATION_CONFIG, json(generationJson(config)));
    files.put(HfExportFiles.TOKENIZER, tokenizerJson);
    files.put(HfExportFiles.TOKENIZER_CONFIG, json(tokenizer.tokenizerConfig(architecture.contextLength())));
    files.put(HfExportFiles.SPECIAL_TOKENS_MAP, json(tokenizer.specialTokensMap()));
    files.put(HfExportFiles.README, readme.getBytes(StandardCharsets.UTF_8));
    return files;
  }

  /** The transformers config that computes what {@code architecture} computes. */
  static T5Config config(T5Architecture a, int eosId) {
    return new T5Config(a.vocabSize(), a.dModel(), a.dKv(), a.dFf(), a.encoderLayers(), a.decoderLayers(), a.heads(),
        a.relativeBuckets(), a.relativeMaxDistance(), Double.parseDouble(Float.toString(a.layerNormEpsilon())),
        feedForwardProj(a), a.activation(), a.gated(), a.tiedHead(), a.scaleDecoderOutputs(), a.padTokenId(),
        List.of(eosId), a.padTokenId());
  }

  /** transformers' name for the feed-forward: the activation, or gated-X, where gated-gelu means gelu_new. */
  public static String feedForwardProj(T5Architecture a) {
    if (!a.gated()) {
      return a.activation();
    }
    return switch (a.activation()) {
      case "gelu_new" -> "gated-gelu";
      case "gelu" -> throw new IllegalArgumentException("a gated T5 with the erf gelu has no feed_forward_proj:"
          + " transformers reads gated-gelu as gelu_new (the tanh approximation); train it with gelu_new");
      default -> "gated-" + a.activation();
    };
  }

  /**
   * Every field of transformers' T5Config that decides the maths, written out rather than left to its defaults
   * (T5-small's), with the derived {@code dense_act_fn} and {@code is_gated_act} that transformers itself saves.
   * {@code scale_decoder_outputs} is written because transformers 5 ties {@code lm_head} whatever
   * {@code tie_word_embeddings} says and would otherwise derive the scaling from it.
   */
  static Map<String, Object> configJson(T5Config t, double dropout, Map<String, Object> kiln) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("architectures", List.of("T5ForConditionalGeneration"));
    c.put("model_type", "t5");
    c.put("vocab_size", t.vocabSize());
    c.put("d_model", t.dModel());
    c.put("d_kv", t.dKv());
    c.put("d_ff", t.dFf());
    c.put("num_layers", t.numLayers());
    c.put("num_decoder_layers", t.numDecoderLayers());
    c.put("num_heads", t.numHeads());
    c.put("relative_attention_num_buckets", t.relativeAttentionNumBuckets());
    c.put("relative_attention_max_distance", t.relativeAttentionMaxDistance());
    c.put("dropout_rate", dropout);
    c.put("classifier_dropout", 0.0);
    c.put("layer_norm_epsilon", t.layerNormEpsilon());
    c.put("initializer_factor", 1.0);
    c.put("feed_forward_proj", t.feedForwardProj());
    c.put("dense_act_fn", t.denseActFn());
    c.put("is_gated_act", t.gatedAct());
    c.put("tie_word_embeddings", t.tieWordEmbeddings());
    c.put("scale_decoder_outputs", t.scaleDecoderOutputs());
    c.put("is_encoder_decoder", true);
    c.put("is_decoder", false);
    c.put("use_cache", true);
    c.put("pad_token_id", t.padTokenId());
    c.put("eos_token_id", t.eosTokenIds().get(0));
    c.put("decoder_start_token_id", t.decoderStartTokenId());
    c.put("dtype", "float32");
    c.put("torch_dtype", "float32"); // what transformers 4 reads; 5 reads dtype
    c.put("transformers_version", HfExportFiles.TRANSFORMERS_VERSION);
    if (kiln != null && !kiln.isEmpty()) {
      c.put("kiln", kiln);
    }
    return c;
  }

  /**
   * {@code generation_config.json}: greedy, the decoder starting from the pad id as in training, stopping at the end
   * token; no length (a {@code max_length} here would clash with every {@code max_new_tokens}).
   */
  static Map<String, Object> generationJson(T5Config t) {
    Map<String, Object> g = new LinkedHashMap<>();
    g.put("decoder_start_token_id", t.decoderStartTokenId());
    g.put("eos_token_id", t.eosTokenIds().get(0));
    g.put("pad_token_id", t.padTokenId());
    g.put("transformers_version", HfExportFiles.TRANSFORMERS_VERSION);
    return g;
  }

  /**
   * The checkpoint's tensors in the layout's order, unchanged.
   *
   * @throws IllegalArgumentException naming the tensor when one is missing, extra or of another shape than the
   *     config implies (a checkpoint of another architecture or size is never half-exported)
   */
  static List<Float32Tensor> weights(List<Float32Tensor> kiln, T5Config config) {
    Map<String, ExpectedTensor> expected = new LinkedHashMap<>();
    for (ExpectedTensor t : HfParameterLayout.of(config).tensors()) {
      if (t.required()) {
        expected.put(t.name(), t);
      }
    }
    Map<String, Float32Tensor> byName = new LinkedHashMap<>();
    for (Float32Tensor t : kiln) {
      ExpectedTensor want = expected.get(t.name());
      if (want == null) {
        throw new IllegalArgumentException("checkpoint has tensor '" + t.name() + "', which this T5 (feed_forward_proj "
            + config.feedForwardProj() + ", tie_word_embeddings " + config.tieWordEmbeddings() + ") does not have:"
            + " only span-corruption runs with t5 set export as T5");
      }
      if (!want.shape().equals(Arrays.stream(t.shape()).boxed().toList())) {
        throw new IllegalArgumentException("tensor '" + t.name() + "' is " + t.shapeText() + " but the T5 config"
            + " implies " + want.shape() + " (" + want.formula() + ")");
      }
      byName.put(t.name(), t);
    }
    List<Float32Tensor> out = new ArrayList<>();
    for (String name : expected.keySet()) {
      Float32Tensor t = byName.get(name);
      if (t == null) {
        throw new IllegalArgumentException("checkpoint lacks tensor '" + name + "' of this T5");
      }
      out.add(t);
    }
    return out;
  }

  private static byte[] json(Object value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
