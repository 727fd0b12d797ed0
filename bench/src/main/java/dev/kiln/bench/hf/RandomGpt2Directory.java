package dev.kiln.bench.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kiln.activities.hf.ExpectedTensor;
import dev.kiln.activities.hf.HfModelConfig;
import dev.kiln.activities.hf.HfParameterLayout;
import dev.kiln.activities.hf.export.Gpt2ConfigJson;
import dev.kiln.activities.hf.export.SpecialTokens;
import dev.kiln.activities.hf.export.Safetensors;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.MlpActivation;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A Hugging Face GPT-2 directory with random weights: GPT-2 small's config.json (vocabulary 50257, 1024 positions,
 * n_embd 768, 12 layers, 12 heads, gelu_new, tied embeddings) and a float32 model.safetensors with GPT-2's names and
 * Conv1D [in, out] layouts, 124 M parameters (498 MB), as transformers' {@code save_pretrained} writes them. No
 * tokenizer: the import benchmark measures weights. Written by Kiln's safetensors writer straight into the file, no
 * tensor in the heap; the same seed gives the same bytes.
 *
 * <p>Argument: the directory (default {@code ~/.cache/kiln/import-bench/gpt2-124m-random}); an existing complete one is
 * kept.
 */
public final class RandomGpt2Directory {
  /** GPT-2 small. */
  static final ModelShape SHAPE = new ModelShape(50257, 1024, 768, 12, 12);
  /** GPT-2's only special token, <|endoftext|> (50256), begins, ends and stands for unknown text; it has no pad. */
  private static final SpecialTokens.Token END_OF_TEXT = new SpecialTokens.Token("<|endoftext|>", 50256);
  private static final SpecialTokens GPT2_TOKENS = new SpecialTokens(END_OF_TEXT, END_OF_TEXT, END_OF_TEXT, null, null, null);
  private static final long SEED = 124;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private RandomGpt2Directory() {}

  public static void main(String[] args) throws IOException {
    Path dir = args.length > 0 ? Path.of(args[0]) : defaultDirectory();
    System.out.println(ensure(dir));
  }

  static Path defaultDirectory() {
    return Path.of(System.getProperty("user.home"), ".cache", "kiln", "import-bench", "gpt2-124m-random");
  }

  /** {@code dir} with config.json and model.safetensors, written unless both are there. */
  static Path ensure(Path dir) throws IOException {
    Path weights = dir.resolve("model.safetensors");
    Path config = dir.resolve("config.json");
    if (Files.isRegularFile(weights) && Files.isRegularFile(config)) {
      return dir;
    }
    Files.createDirectories(dir);
    byte[] configJson = JSON.writeValueAsBytes(
        new Gpt2ConfigJson(SHAPE, MlpActivation.GELU_TANH, 0.1, GPT2_TOKENS, Map.of()).toJson());
    // The names and shapes are those the importer expects of this config, the tied lm_head left out as transformers does.
    Map<String, long[]> shapes = new LinkedHashMap<>();
    for (ExpectedTensor t : HfParameterLayout.of(HfModelConfig.parse(configJson, "config.json")).tensors()) {
      if (t.required()) {
        shapes.put(t.name(), t.shape().stream().mapToLong(Long::longValue).toArray());
      }
    }
    Path partial = dir.resolve("model.safetensors.partial"); // a killed run leaves no file that looks complete
    Safetensors.write(partial, shapes, Map.of(), RandomGpt2Directory::values);
    Files.move(partial, weights, StandardCopyOption.REPLACE_EXISTING);
    Files.write(config, configJson);
    return dir;
  }

  /**
   * Uniform values of GPT-2's init scale (std 0.02), LayerNorm gains around 1; one generator per tensor, seeded by its
   * name, so a tensor's values do not depend on the order they are written in.
   */
  private static void values(String name, FloatBuffer out) {
    SplittableRandom random = new SplittableRandom(SEED ^ name.hashCode());
    float scale = (float) (0.02 * Math.sqrt(3)); // uniform on [-a, a] has std a / sqrt(3)
    float center = name.contains("ln_") && name.endsWith(".weight") ? 1f : 0f;
    while (out.hasRemaining()) {
      out.put(center + scale * (float) (2 * random.nextDouble() - 1));
    }
  }
}
