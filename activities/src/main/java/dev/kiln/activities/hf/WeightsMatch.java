package dev.kiln.activities.hf;

import java.util.List;
import java.util.Map;

/**
 * How a checkpoint's tensors answer an architecture's parameters, as {@link HfWeightsCheck} found them.
 *
 * @param stored for each parameter the checkpoint holds, the name it holds it under (the same name, or a legacy
 *     spelling: without the base-model prefix, LayerNorm gamma/beta for weight/bias)
 * @param tied for each tied parameter the checkpoint leaves out, the parameter whose tensor it shares
 * @param unused tensors of the checkpoint that no parameter uses (e.g. a pretraining head Kiln does not import);
 *     transformers drops these too
 */
public record WeightsMatch(Map<String, String> stored, Map<String, String> tied, List<String> unused) {
  public WeightsMatch {
    stored = Map.copyOf(stored);
    tied = Map.copyOf(tied);
    unused = List.copyOf(unused);
  }
}
