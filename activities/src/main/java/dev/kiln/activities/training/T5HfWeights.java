package dev.kiln.activities.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.kiln.activities.hf.HfImportException;
import dev.kiln.activities.hf.HfModelDirectory;
import dev.kiln.activities.hf.T5Config;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;

/**
 * Builds a {@link T5Model} from a transformers {@code T5ForConditionalGeneration} directory: the architecture from
 * config.json, every parameter by its own name from the safetensors (which {@link HfModelDirectory} has already
 * matched against the config's shapes), with no renaming or transposing. The output projection is tied to
 * {@code shared} exactly when the checkpoint leaves {@code lm_head.weight} out, as transformers 5 decides.
 */
public final class T5HfWeights {
  private static final String[] EMBED_TOKENS = {"encoder.embed_tokens.weight", "decoder.embed_tokens.weight"};

  private T5HfWeights() {}

  /**
   * @param contextLength the longest sequence Kiln will feed the model (T5 itself has no limit)
   * @throws HfImportException if the directory is not a T5, or stores per-stack embeddings that are not
   *     {@code shared} (Kiln's T5 has one embedding)
   */
  public static T5Model load(HfModelDirectory directory, int contextLength, double dropout, Device device)
      throws IOException {
    if (!(directory.config() instanceof T5Config config)) {
      throw new HfImportException(directory.source().describe() + " holds a " + directory.config().modelType()
          + " model, not a t5");
    }
    float[] shared = directory.parameter("shared.weight");
    for (String name : EMBED_TOKENS) {
      if (directory.weights().stored().containsKey(name) && !Arrays.equals(shared, directory.parameter(name))) {
        throw new HfImportException(directory.source().describe() + " stores " + name + " with values other than"
            + " shared.weight; Kiln's T5 shares one embedding between both stacks and the input, as transformers 5"
            + " does when it ties them");
      }
    }
    boolean tiedHead = directory.weights().tied().containsKey("lm_head.weight");
    T5Model model = new T5Model(T5Architecture.of(config, contextLength, tiedHead), dropout, device);
    try {
      GradMode.offOnThisThread(); // the copies write into the parameter buffer
      try (NDManager scratch = NDManager.newBaseManager(Device.cpu())) {
        for (Map.Entry<String, NDArray> entry : model.parameters().entrySet()) {
          NDArray target = entry.getValue();
          float[] values = directory.parameter(entry.getKey());
          NamedParameters.copyInto(target, scratch.create(values, target.getShape()));
        }
      }
      return model;
    } catch (IOException | RuntimeException e) {
      model.close();
      throw e;
    }
  }
}
