package dev.kiln.activities.hf.export;

import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;
import java.util.Map;

/**
 * A Kiln Llama as a Hugging Face Llama directory, which {@code AutoModelForCausalLM.from_pretrained} and
 * {@code AutoTokenizer.from_pretrained} load with no code of ours and no flags: {@code config.json} (a
 * {@code LlamaForCausalLM}, {@link LlamaConfigJson}), {@code model.safetensors} (transformers' names and layouts, which
 * are Kiln's, see {@link LlamaWeights}), {@code generation_config.json}, {@code tokenizer.json} with
 * {@code tokenizer_config.json} and {@code special_tokens_map.json}, and the model card {@code README.md}
 * ({@link HfExportFiles}). Plain Java over the checkpoint's bytes, as {@link HfGpt2Export}.
 */
public final class HfLlamaExport {

  private HfLlamaExport() {}

  /**
   * The export's files by name, in the order they should be written (weights first, the card last).
   *
   * @param kilnWeights a Llama's {@code model.safetensors} as Kiln writes it (checkpoint or final model)
   * @param dropout the run's dropout, written as {@code attention_dropout}
   * @param tokenizerJson the {@code tokenizer.json} the model was trained with (every id it encodes to must be one of
   *     the model's)
   * @param special that tokenizer's special tokens (its own {@code tokenizer_config.json}'s for a continued model)
   * @param kiln Kiln's own description of the run, kept in config.json under {@code "kiln"} (may be empty)
   */
  public static Map<String, byte[]> files(
      byte[] kilnWeights, ModelShape shape, LlamaOptions options, double dropout, byte[] tokenizerJson,
      SpecialTokens special, String readme, Map<String, Object> kiln) {
    options.check(shape);
    byte[] weights = LlamaWeights.toHuggingFace(kilnWeights, shape, options);
    LlamaConfigJson config = new LlamaConfigJson(shape, options, dropout, special, kiln);
    return HfExportFiles.directory(weights, config.toJson(), special, tokenizerJson, shape.vocabSize(),
        shape.contextLength(), readme);
  }
}
