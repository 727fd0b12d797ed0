package dev.kiln.activities.hf.export;

import dev.kiln.activities.hf.Gpt2Config;
import dev.kiln.activities.hf.HfImportException;
import dev.kiln.activities.hf.HfModelDirectory;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.MlpActivation;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * A Hugging Face GPT-2 directory as a Kiln GPT: the way back of {@link HfGpt2Export}. The tensor names are the same;
 * the four Conv1D projections of each block are transposed back to nn.Linear's [out, in]; fp16 and bf16 weights
 * arrive as float32 (the directory's reader converts them). A GPT-2 that Kiln's GPT cannot compute exactly is refused
 * by the field that differs, before anything is loaded.
 *
 * @param shape Kiln's shape of it (n_positions is its context length)
 * @param activation its MLP activation ({@code gelu_new}, GPT-2's, or {@code gelu})
 * @param safetensors its weights in Kiln's names and layouts, for {@code TransformerModel.load}
 */
public record Gpt2Import(ModelShape shape, MlpActivation activation, byte[] safetensors) {

  public static Gpt2Import of(HfModelDirectory directory) throws IOException {
    String where = directory.source().describe();
    if (!(directory.config() instanceof Gpt2Config c)) {
      throw new HfImportException(where + " holds a " + directory.config().modelType() + " model, not gpt2");
    }
    require(c.intermediateSize() == 4 * c.hiddenSize(), where, "n_inner", c.intermediateSize(),
        "4 x n_embd = " + 4 * c.hiddenSize());
    require(c.tieWordEmbeddings(), where, "tie_word_embeddings", false, "true");
    require(c.scaleAttnWeights(), where, "scale_attn_weights", false, "true");
    require(!c.scaleAttnByInverseLayerIdx(), where, "scale_attn_by_inverse_layer_idx", true, "false");
    require(!c.reorderAndUpcastAttn(), where, "reorder_and_upcast_attn", true, "false");
    require(Math.abs(c.layerNormEpsilon() - Gpt2ConfigJson.LAYER_NORM_EPSILON) < 1e-12, where, "layer_norm_epsilon",
        c.layerNormEpsilon(), Gpt2ConfigJson.LAYER_NORM_EPSILON);
    MlpActivation activation = switch (c.activationFunction()) {
      case "gelu_new" -> MlpActivation.GELU_TANH;
      case "gelu" -> MlpActivation.GELU;
      default -> throw new HfImportException(where + "/config.json: activation_function " + c.activationFunction()
          + " is not one Kiln's GPT computes; it computes gelu_new (GPT-2's) and gelu");
    };
    ModelShape shape = new ModelShape(c.vocabSize(), c.maxPositionEmbeddings(), c.hiddenSize(), c.numHiddenLayers(),
        c.numAttentionHeads());
    Map<String, long[]> kiln = Gpt2Weights.kilnShapes(shape);
    // Each tensor goes straight from the checkpoint's bytes into Kiln's: one copy (or transpose), no arrays between.
    byte[] weights = Safetensors.write(kiln, Map.of(), (name, out) -> {
      FloatBuffer hf = directory.parameterBuffer(name);
      if (Gpt2Weights.isConv1D(name)) {
        long[] kilnShape = kiln.get(name);
        Float32Tensor.transpose(hf, Math.toIntExact(kilnShape[1]), Math.toIntExact(kilnShape[0]), out);
      } else {
        out.put(hf);
      }
    });
    return new Gpt2Import(shape, activation, weights);
  }

  private static void require(boolean ok, String where, String field, Object value, Object supported) {
    if (!ok) {
      throw new HfImportException(where + "/config.json: " + field + " is " + value + "; Kiln's GPT computes GPT-2 with "
          + field + " " + supported + " only");
    }
  }
}
