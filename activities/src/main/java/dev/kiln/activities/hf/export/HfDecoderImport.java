package dev.kiln.activities.hf.export;

import dev.kiln.activities.hf.Gpt2Config;
import dev.kiln.activities.hf.HfImportException;
import dev.kiln.activities.hf.HfModelDirectory;
import dev.kiln.activities.hf.LlamaConfig;
import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.MlpActivation;
import java.io.IOException;

/**
 * A Hugging Face decoder directory as the Kiln model that computes it exactly, ready to continue pretraining: a
 * {@code gpt2} as Kiln's GPT ({@link Gpt2Import}), a {@code llama} as Kiln's Llama ({@link LlamaImport}).
 *
 * @param modelType the directory's {@code model_type}
 * @param shape Kiln's shape of it
 * @param llama its Llama options, or null for a GPT
 * @param activation a GPT's MLP activation, or null for a Llama
 * @param safetensors its weights in Kiln's names and layouts, float32
 */
public record HfDecoderImport(
    String modelType, ModelShape shape, LlamaOptions llama, MlpActivation activation, byte[] safetensors) {

  /** The model types that continue as decoders. */
  public static final java.util.List<String> MODEL_TYPES = java.util.List.of("gpt2", "llama");

  public static HfDecoderImport of(HfModelDirectory directory) throws IOException {
    if (directory.config() instanceof Gpt2Config) {
      Gpt2Import gpt2 = Gpt2Import.of(directory);
      return new HfDecoderImport("gpt2", gpt2.shape(), null, gpt2.activation(), gpt2.safetensors());
    }
    if (directory.config() instanceof LlamaConfig) {
      LlamaImport llama = LlamaImport.of(directory);
      return new HfDecoderImport("llama", llama.shape(), llama.options(), null, llama.safetensors());
    }
    throw new HfImportException(directory.source().describe() + "/config.json: model_type "
        + directory.config().modelType() + " is not a decoder Kiln continues; decoders Kiln continues: " + MODEL_TYPES
        + " (bert, roberta and t5 read with BertModel.fromHf and T5HfWeights, not yet from a run spec)");
  }
}
