package dev.kiln.activities.hf.export;

import dev.kiln.activities.hf.ExpectedTensor;
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
 * A Hugging Face Llama directory as Kiln's {@code LlamaModel}: the names and [out, in] layouts are transformers' own,
 * so the import only gathers every parameter as float32 (fp16/bf16 widened, shards joined, legacy names resolved)
 * into one safetensors file. A Llama that LlamaModel cannot compute exactly is refused by the field that differs,
 * before anything is loaded.
 *
 * @param shape Kiln's shape of it; its context length is {@code max_position_embeddings}
 * @param options the rest of its config
 * @param safetensors its weights in Kiln's (= transformers') names, for {@code TransformerModel.load}
 */
public record LlamaImport(ModelShape shape, LlamaOptions options, byte[] safetensors) {

  public static LlamaImport of(HfModelDirectory directory) throws IOException {
    String where = directory.source().describe();
    if (!(directory.config() instanceof LlamaConfig c)) {
      throw new HfImportException(where + " holds a " + directory.config().modelType() + " model, not llama");
    }
    require(c.hiddenAct().equals("silu"), where, "hidden_act", c.hiddenAct(), "silu");
    require(!c.attentionBias(), where, "attention_bias", true, "false");
    require(!c.mlpBias(), where, "mlp_bias", true, "false");
    require(c.rope().ropeType().equals("default"), where, "rope_parameters.rope_type", c.rope().ropeType(),
        "default (no scaling)");
    // A tied config whose file stores lm_head anyway (values that differ) is untied in transformers 5: so here.
    boolean tied = c.tieWordEmbeddings() && directory.weights().tied().containsKey("lm_head.weight");
    ModelShape shape = new ModelShape(c.vocabSize(), c.maxPositionEmbeddings(), c.hiddenSize(), c.numHiddenLayers(),
        c.numAttentionHeads());
    int headDim = c.headDim() * c.numAttentionHeads() == c.hiddenSize() ? 0 : c.headDim();
    LlamaOptions options = new LlamaOptions(c.numKeyValueHeads(), c.intermediateSize(), c.rope().ropeTheta(),
        c.rmsNormEps(), tied, headDim);
    List<Float32Tensor> tensors = new ArrayList<>();
    for (ExpectedTensor expected : directory.layout().tensors()) {
      if (tied && expected.name().equals("lm_head.weight")) {
        continue; // LlamaModel has no lm_head when tied, and transformers saves none
      }
      long[] dims = expected.shape().stream().mapToLong(Long::longValue).toArray();
      tensors.add(new Float32Tensor(expected.name(), dims, directory.parameter(expected.name())));
    }
    return new LlamaImport(shape, options, Safetensors.write(tensors, Map.of("format", "pt")));
  }

  private static void require(boolean ok, String where, String field, Object value, Object supported) {
    if (!ok) {
      throw new HfImportException(where + "/config.json: " + field + " is " + value + "; Kiln's Llama computes "
          + field + " " + supported + " only");
    }
  }
}
