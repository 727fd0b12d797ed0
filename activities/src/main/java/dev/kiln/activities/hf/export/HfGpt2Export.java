package dev.kiln.activities.hf.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.MlpActivation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Kiln decoder as a Hugging Face GPT-2 model directory, which {@code AutoModelForCausalLM.from_pretrained} and
 * {@code AutoTokenizer.from_pretrained} load with no code of ours and no flags: {@code config.json} (a
 * {@code GPT2LMHeadModel}), {@code model.safetensors} (GPT-2's names and Conv1D layouts, see {@link Gpt2Weights}),
 * {@code generation_config.json}, {@code tokenizer.json} with {@code tokenizer_config.json} and
 * {@code special_tokens_map.json}, and the model card {@code README.md}.
 *
 * <p>The export is plain Java over the checkpoint's bytes (no native engine): a worker without libtorch can run it,
 * and each transpose is checked in a unit test against the weights it came from.
 */
public final class HfGpt2Export {
  public static final String CONFIG = "config.json";
  public static final String WEIGHTS = "model.safetensors";
  public static final String GENERATION_CONFIG = "generation_config.json";
  public static final String TOKENIZER = "tokenizer.json";
  public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
  public static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";
  public static final String README = "README.md";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private HfGpt2Export() {}

  /**
   * The export's files by name, in the order they should be written (weights first, the card last, so that a
   * directory with a card is complete).
   *
   * @param kilnWeights a GPT's {@code model.safetensors} as Kiln writes it (checkpoint or final model)
   * @param tokenizerJson the {@code tokenizer.json} the model was trained with (every id it encodes to must be one of
   *     the model's)
   * @param kiln Kiln's own description of the run, kept in config.json under {@code "kiln"} (may be empty)
   */
  public static Map<String, byte[]> files(
      byte[] kilnWeights, ModelShape shape, MlpActivation activation, double dropout, byte[] tokenizerJson,
      String readme, Map<String, Object> kiln) {
    Gpt2TokenizerFiles tokenizer = Gpt2TokenizerFiles.of(tokenizerJson);
    if (tokenizer.idCount() > shape.vocabSize()) {
      throw new IllegalArgumentException("the tokenizer has id " + (tokenizer.idCount() - 1) + " but the model only "
          + shape.vocabSize() + " ids: it was not trained with this tokenizer");
    }
    Gpt2ConfigJson config = new Gpt2ConfigJson(shape, activation, dropout, tokenizer.eosId(), tokenizer.padId(), kiln);
    List<Float32Tensor> weights = Gpt2Weights.toHuggingFace(Safetensors.read(kilnWeights), shape);
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(WEIGHTS, Safetensors.write(weights, Map.of()));
    files.put(CONFIG, json(config.toJson()));
    files.put(GENERATION_CONFIG, json(config.generationJson()));
    files.put(TOKENIZER, tokenizerJson);
    files.put(TOKENIZER_CONFIG, json(tokenizer.tokenizerConfig(shape.contextLength())));
    files.put(SPECIAL_TOKENS_MAP, json(tokenizer.specialTokensMap()));
    files.put(README, readme.getBytes(StandardCharsets.UTF_8));
    return files;
  }

  /** Writes {@link #files} into {@code dir} (created if need be; files of the same names are replaced). */
  public static void write(Path dir, Map<String, byte[]> files) {
    try {
      Files.createDirectories(dir);
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        Files.write(dir.resolve(file.getKey()), file.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the GPT-2 export to " + dir, e);
    }
  }

  private static byte[] json(Object value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
