package dev.kiln.activities.hf.export;

import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.MlpActivation;
import java.util.List;
import java.util.Map;

/**
 * A Kiln decoder as a Hugging Face GPT-2 model directory, which {@code AutoModelForCausalLM.from_pretrained} and
 * {@code AutoTokenizer.from_pretrained} load with no code of ours and no flags: {@code config.json} (a
 * {@code GPT2LMHeadModel}), {@code model.safetensors} (GPT-2's names and Conv1D layouts, see {@link Gpt2Weights}),
 * {@code generation_config.json}, {@code tokenizer.json} with {@code tokenizer_config.json} and
 * {@code special_tokens_map.json}, and the model card {@code README.md} ({@link HfExportFiles}).
 *
 * <p>The export is plain Java over the checkpoint's bytes (no native engine): a worker without libtorch can run it,
 * and each transpose is checked in a unit test against the weights it came from.
 */
public final class HfGpt2Export {

  private HfGpt2Export() {}

  /**
   * The export's files by name, in the order they should be written (weights first, the card last, so that a
   * directory with a card is complete).
   *
   * @param kilnWeights a GPT's {@code model.safetensors} as Kiln writes it (checkpoint or final model)
   * @param tokenizerJson the {@code tokenizer.json} the model was trained with (every id it encodes to must be one of
   *     the model's)
   * @param special that tokenizer's special tokens ({@link SpecialTokens#kilnDefaults} for a tokenizer Kiln trained)
   * @param kiln Kiln's own description of the run, kept in config.json under {@code "kiln"} (may be empty)
   */
  public static Map<String, byte[]> files(
      byte[] kilnWeights, ModelShape shape, MlpActivation activation, double dropout, byte[] tokenizerJson,
      SpecialTokens special, String readme, Map<String, Object> kiln) {
    List<Float32Tensor> weights = Gpt2Weights.toHuggingFace(Safetensors.read(kilnWeights), shape);
    Gpt2ConfigJson config = new Gpt2ConfigJson(shape, activation, dropout, special, kiln);
    return HfExportFiles.directory(Safetensors.write(weights, Map.of()), config.toJson(), special, tokenizerJson,
        shape.vocabSize(), shape.contextLength(), readme);
  }
}
