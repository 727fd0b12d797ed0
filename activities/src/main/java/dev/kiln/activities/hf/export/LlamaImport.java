package dev.kiln.activities.hf.export;

import dev.kiln.activities.hf.HfImportException;
import dev.kiln.activities.hf.HfModelDirectory;
import dev.kiln.activities.hf.LlamaConfig;
import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face Llama directory as a Kiln Llama: the way back of {@link HfLlamaExport}. Names and layouts are the
 * same; tied weights are left out as Kiln's tied Llama has no {@code lm_head}; fp16 and bf16 weights arrive as float32
 * (the directory's reader converts them). A Llama that Kiln's {@code LlamaModel} cannot compute exactly is refused by
 * the field that differs, before anything is loaded.
 *
 * @param shape Kiln's shape of it (max_position_embeddings is its context length)
 * @param options the rest of its config.json
 * @param safetensors its weights in Kiln's names, for {@code LlamaModel.loadWeights}
 */
public record LlamaImport(ModelShape shape, LlamaOptions options, byte[] safetensors) {

  public static LlamaImport of(HfModelDirectory directory) throws IOException {
    String where = directory.source().describe();
    if (!(directory.config() instanceof LlamaConfig c)) {
      throw new HfImportException(where + " holds a " + directory.config().modelType() + " model, not llama");
    }
    if (!c.rope().ropeType().equals("default")) {
      throw new HfImportException(where + "/config.json: rope_parameters.rope_type is " + c.rope().ropeType()
          + "; Kiln's Llama computes the default rotary embedding only (no scaling): this model's positions would be"
          + " wrong");
    }
    require(c.hiddenAct().equals("silu"), where, "hidden_act", c.hiddenAct(), "silu");
    require(!c.attentionBias(), where, "attention_bias", true, "false");
    require(!c.mlpBias(), where, "mlp_bias", true, "false");
    ModelShape shape = new ModelShape(c.vocabSize(), c.maxPositionEmbeddings(), c.hiddenSize(), c.numHiddenLayers(),
        c.numAttentionHeads());
    boolean defaultHeadDim = c.headDim() * c.numAttentionHeads() == c.hiddenSize();
    // A tied config whose file stores lm_head anyway (values that differ) is untied in transformers 5: so here.
    boolean tied = c.tieWordEmbeddings() && directory.weights().tied().containsKey("lm_head.weight");
    LlamaOptions options = new LlamaOptions(c.numKeyValueHeads(), c.intermediateSize(), c.rope().ropeTheta(),
        c.rmsNormEps(), tied, defaultHeadDim ? 0 : c.headDim());
    try {
      options.check(shape);
    } catch (IllegalArgumentException e) {
      throw new HfImportException(where + "/config.json: " + e.getMessage());
    }
    List<Float32Tensor> kiln = new ArrayList<>();
    for (Map.Entry<String, long[]> e : LlamaWeights.shapes(shape, options).entrySet()) {
      kiln.add(new Float32Tensor(e.getKey(), e.getValue(), directory.parameter(e.getKey())));
    }
    return new LlamaImport(shape, options, Safetensors.write(kiln, Map.of()));
  }

  private static void require(boolean ok, String where, String field, Object value, Object supported) {
    if (!ok) {
      throw new HfImportException(where + "/config.json: " + field + " is " + value + "; Kiln's Llama computes "
          + field + " " + supported + " only");
    }
  }
}
