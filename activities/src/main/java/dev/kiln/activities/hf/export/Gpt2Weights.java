package dev.kiln.activities.hf.export;

import dev.kiln.workflows.scope.ModelShape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Kiln GPT's weights as Hugging Face's {@code GPT2LMHeadModel} stores them. The names are already GPT-2's (Kiln's
 * GPT took nanoGPT's state_dict names, which are GPT-2's); what differs is the layout of the four projections of each
 * block: Kiln keeps nn.Linear's [out, in], GPT-2's checkpoints keep Conv1D's [in, out], so their weights are
 * transposed. The fused query/key/value matrix keeps its order (queries, keys, values along the output features),
 * which is the order GPT-2 splits {@code c_attn} in.
 *
 * <p>Not written: {@code lm_head.weight} (tied to {@code transformer.wte.weight}: {@code tie_word_embeddings} makes
 * transformers share it, and its own {@code save_pretrained} leaves it out too) and the {@code attn.bias} causal-mask
 * buffers of old checkpoints (transformers builds the mask itself and ignores them when present).
 */
public final class Gpt2Weights {
  /** The per-block matrices GPT-2 keeps as Conv1D [in, out]. */
  static final List<String> CONV1D = List.of("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight");

  private Gpt2Weights() {}

  /** Kiln's tensor names and shapes of a GPT of this shape (the names are also the exported ones). */
  public static Map<String, long[]> kilnShapes(ModelShape s) {
    long d = s.dModel();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("transformer.wte.weight", new long[] {s.vocabSize(), d});
    shapes.put("transformer.wpe.weight", new long[] {s.contextLength(), d});
    for (int i = 0; i < s.layers(); i++) {
      String p = "transformer.h." + i + ".";
      shapes.put(p + "ln_1.weight", new long[] {d});
      shapes.put(p + "ln_1.bias", new long[] {d});
      shapes.put(p + "attn.c_attn.weight", new long[] {3 * d, d});
      shapes.put(p + "attn.c_attn.bias", new long[] {3 * d});
      shapes.put(p + "attn.c_proj.weight", new long[] {d, d});
      shapes.put(p + "attn.c_proj.bias", new long[] {d});
      shapes.put(p + "ln_2.weight", new long[] {d});
      shapes.put(p + "ln_2.bias", new long[] {d});
      shapes.put(p + "mlp.c_fc.weight", new long[] {4 * d, d});
      shapes.put(p + "mlp.c_fc.bias", new long[] {4 * d});
      shapes.put(p + "mlp.c_proj.weight", new long[] {d, 4 * d});
      shapes.put(p + "mlp.c_proj.bias", new long[] {d});
    }
    shapes.put("transformer.ln_f.weight", new long[] {d});
    shapes.put("transformer.ln_f.bias", new long[] {d});
    return shapes;
  }

  /** Whether GPT-2 stores this tensor transposed from Kiln's layout. */
  public static boolean isConv1D(String name) {
    return name.startsWith("transformer.h.") && CONV1D.stream().anyMatch(name::endsWith);
  }

  /**
   * The tensors of a Kiln GPT checkpoint ({@code model.safetensors} as Kiln writes it) in GPT-2's layout, by name.
   *
   * @throws IllegalArgumentException naming the tensor when one is missing, extra or of another shape than
   *     {@code shape} implies (a checkpoint of another architecture or size is never half-exported)
   */
  public static List<Float32Tensor> toHuggingFace(List<Float32Tensor> kiln, ModelShape shape) {
    List<Float32Tensor> out = new ArrayList<>();
    for (Float32Tensor t : Safetensors.matching(kiln, kilnShapes(shape), "a GPT of shape " + shape,
        "only decoders (objective clm) export as GPT-2")) {
      out.add(isConv1D(t.name()) ? t.transposed(t.name()) : t);
    }
    return out;
  }

}
