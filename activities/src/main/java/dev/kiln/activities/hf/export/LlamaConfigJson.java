package dev.kiln.activities.hf.export;

import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code config.json} of a Kiln Llama as transformers' {@code LlamaConfig} writes it (5.24): every field that
 * decides the maths is written out rather than left to transformers' defaults (which are Llama-7B's), so the file says
 * what the model is and a change of defaults cannot change it.
 *
 * @param dropout the run's dropout, transformers' {@code attention_dropout}; it matters only to whoever fine-tunes
 * @param special the tokenizer's special tokens, whose ids config.json names
 * @param kiln what Kiln knows of the run beyond Llama's fields (kept under {@code "kiln"}, which transformers ignores)
 */
public record LlamaConfigJson(
    ModelShape shape, LlamaOptions options, double dropout, SpecialTokens special, Map<String, Object> kiln) {

  public Map<String, Object> toJson() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("architectures", List.of("LlamaForCausalLM"));
    c.put("model_type", "llama");
    c.put("vocab_size", shape.vocabSize());
    c.put("hidden_size", shape.dModel());
    c.put("intermediate_size", options.intermediateSize());
    c.put("num_hidden_layers", shape.layers());
    c.put("num_attention_heads", shape.heads());
    c.put("num_key_value_heads", options.keyValueHeads());
    c.put("head_dim", options.headDim(shape));
    c.put("hidden_act", "silu");
    c.put("max_position_embeddings", shape.contextLength());
    c.put("rms_norm_eps", options.rmsNormEps());
    Map<String, Object> rope = new LinkedHashMap<>();
    rope.put("rope_theta", options.ropeTheta());
    rope.put("rope_type", "default");
    c.put("rope_parameters", rope);
    c.put("rope_theta", options.ropeTheta()); // where transformers 4 reads it (5 reads rope_parameters)
    c.put("attention_bias", false);
    c.put("attention_dropout", dropout);
    c.put("mlp_bias", false);
    c.put("initializer_range", Gpt2ConfigJson.INITIALIZER_RANGE);
    c.put("pretraining_tp", 1);
    HfExportFiles.putTokenIds(c, special);
    c.put("tie_word_embeddings", options.tieWordEmbeddings());
    c.put("use_cache", true);
    c.put("dtype", "float32");
    c.put("torch_dtype", "float32"); // what transformers 4 reads; 5 reads dtype
    c.put("transformers_version", HfExportFiles.TRANSFORMERS_VERSION);
    if (kiln != null && !kiln.isEmpty()) {
      c.put("kiln", kiln);
    }
    return c;
  }
}
