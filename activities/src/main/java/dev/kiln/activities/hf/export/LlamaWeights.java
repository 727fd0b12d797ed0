package dev.kiln.activities.hf.export;

import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Llama's tensors as transformers' {@code LlamaForCausalLM} stores them, which are Kiln's: Kiln's {@code LlamaModel}
 * took transformers' state_dict names and nn.Linear's [out, in] layouts, so export and import rename and transpose
 * nothing; they check every tensor is there with its shape, and write them in transformers' order. A tied model has no
 * {@code lm_head.weight} (transformers' {@code save_pretrained} leaves it out too).
 */
public final class LlamaWeights {
  private LlamaWeights() {}

  /** The tensor names and shapes of a Llama of this shape and these options. */
  public static Map<String, long[]> shapes(ModelShape s, LlamaOptions o) {
    long d = s.dModel();
    long queries = (long) s.heads() * o.headDim(s);
    long keysValues = (long) o.keyValueHeads() * o.headDim(s);
    long mlp = o.intermediateSize();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("model.embed_tokens.weight", new long[] {s.vocabSize(), d});
    for (int i = 0; i < s.layers(); i++) {
      String p = "model.layers." + i + ".";
      shapes.put(p + "input_layernorm.weight", new long[] {d});
      shapes.put(p + "self_attn.q_proj.weight", new long[] {queries, d});
      shapes.put(p + "self_attn.k_proj.weight", new long[] {keysValues, d});
      shapes.put(p + "self_attn.v_proj.weight", new long[] {keysValues, d});
      shapes.put(p + "self_attn.o_proj.weight", new long[] {d, queries});
      shapes.put(p + "post_attention_layernorm.weight", new long[] {d});
      shapes.put(p + "mlp.gate_proj.weight", new long[] {mlp, d});
      shapes.put(p + "mlp.up_proj.weight", new long[] {mlp, d});
      shapes.put(p + "mlp.down_proj.weight", new long[] {d, mlp});
    }
    shapes.put("model.norm.weight", new long[] {d});
    if (!o.tieWordEmbeddings()) {
      shapes.put("lm_head.weight", new long[] {s.vocabSize(), d});
    }
    return shapes;
  }

  /** A Kiln Llama's {@code model.safetensors} as transformers' file: the same tensors, checked, in its order. */
  public static byte[] toHuggingFace(byte[] kilnWeights, ModelShape shape, LlamaOptions options) {
    return Safetensors.write(Safetensors.matching(Safetensors.read(kilnWeights), shapes(shape, options),
        "a Llama of shape " + shape + " and " + options, "only a Llama's checkpoint exports as a Llama"), Map.of());
  }
}
