package dev.kiln.activities.hf.export;

import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.MlpActivation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code config.json} of a Kiln GPT as Hugging Face's {@code GPT2Config}: every field that decides GPT-2's maths
 * is written out rather than left to transformers' defaults (which are GPT-2 small's: 50257 ids, tanh GELU), so the
 * file says what the model is and a change of defaults cannot change it.
 *
 * @param dropout the run's dropout, which Kiln applies where GPT-2 applies its three (embeddings, attention weights,
 *     residual branches); it matters only to whoever fine-tunes the export
 * @param special the tokenizer's special tokens, whose ids config.json names
 * @param kiln what Kiln knows of the run beyond GPT-2's fields (kept under {@code "kiln"}, which transformers ignores)
 */
public record Gpt2ConfigJson(
    ModelShape shape, MlpActivation activation, double dropout, SpecialTokens special, Map<String, Object> kiln) {

  /** Kiln's LayerNorm epsilon, GPT-2's. */
  public static final double LAYER_NORM_EPSILON = 1e-5;
  /** Kiln's init std, GPT-2's {@code initializer_range}. */
  public static final double INITIALIZER_RANGE = 0.02;

  public Map<String, Object> toJson() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("architectures", List.of("GPT2LMHeadModel"));
    c.put("model_type", "gpt2");
    c.put("vocab_size", shape.vocabSize());
    c.put("n_positions", shape.contextLength());
    c.put("n_embd", shape.dModel());
    c.put("n_layer", shape.layers());
    c.put("n_head", shape.heads());
    c.put("n_inner", 4 * shape.dModel());
    c.put("activation_function", MlpActivation.orDefault(activation).id());
    c.put("layer_norm_epsilon", LAYER_NORM_EPSILON);
    c.put("initializer_range", INITIALIZER_RANGE);
    c.put("resid_pdrop", dropout);
    c.put("embd_pdrop", dropout);
    c.put("attn_pdrop", dropout);
    c.put("scale_attn_weights", true);
    c.put("scale_attn_by_inverse_layer_idx", false);
    c.put("reorder_and_upcast_attn", false);
    c.put("add_cross_attention", false);
    c.put("summary_type", "cls_index");
    c.put("summary_use_proj", true);
    c.put("summary_activation", null);
    c.put("summary_proj_to_labels", true);
    c.put("summary_first_dropout", dropout);
    HfExportFiles.putTokenIds(c, special);
    c.put("tie_word_embeddings", true);
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
