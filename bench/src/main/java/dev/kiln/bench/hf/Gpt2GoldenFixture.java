package dev.kiln.bench.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.activities.hf.export.Float32Tensor;
import dev.kiln.activities.hf.export.Gpt2Weights;
import dev.kiln.activities.hf.export.HfExportFiles;
import dev.kiln.activities.hf.export.HfGpt2Export;
import dev.kiln.activities.hf.export.SpecialTokens;
import dev.kiln.activities.hf.export.Safetensors;
import dev.kiln.activities.tokenizer.ByteLevelBpeTrainer;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.MlpActivation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes the tiny GPT behind the golden logits of HfExportGpt2GoldenTest (bench/hf/make_golden.sh runs it, then
 * has transformers compute the logits): Kiln-layout weights drawn from a fixed seed, a word-level tokenizer of the
 * model's 64 ids, and that model exported as GPT-2 once per MLP activation.
 *
 * <p>The weights are not an initialisation: their scales (embeddings 0.5, projections 1/sqrt(fan-in), LayerNorm gains
 * 1 +- 0.2, biases 0.1) give logits of a few units and MLP inputs well into GELU's curved region, so that the exact
 * and the tanh GELU give logits further apart than the tolerance, and a wrong transpose or activation shows.
 *
 * <p>Arguments: the fixture directory (written: kiln-model.safetensors, tokenizer.json) and the export directory
 * (written: gelu/ and gelu_new/).
 */
public final class Gpt2GoldenFixture {
  public static final ModelShape SHAPE = new ModelShape(64, 8, 16, 2, 2);
  static final long SEED = 20261201L;

  private Gpt2GoldenFixture() {}

  public static void main(String[] args) throws IOException {
    Path fixture = Files.createDirectories(Path.of(args[0]));
    Path exports = Files.createDirectories(Path.of(args[1]));
    byte[] weights = Safetensors.write(weights(), Map.of());
    byte[] tokenizer = tokenizerJson();
    Files.write(fixture.resolve("kiln-model.safetensors"), weights);
    Files.write(fixture.resolve("tokenizer.json"), tokenizer);
    for (MlpActivation activation : MlpActivation.values()) {
      HfExportFiles.write(exports.resolve(activation.id()), HfGpt2Export.files(
          weights, SHAPE, activation, 0.0, tokenizer, SpecialTokens.kilnDefaults(tokenizer), "---\nlibrary_name: transformers\n---\n\n# golden fixture\n", Map.of()));
    }
    System.err.println("wrote " + fixture + " and " + exports);
  }

  static List<Float32Tensor> weights() {
    Random random = new Random(SEED);
    List<Float32Tensor> tensors = new ArrayList<>();
    Gpt2Weights.kilnShapes(SHAPE).forEach((name, shape) -> {
      float[] values = new float[Math.toIntExact(java.util.Arrays.stream(shape).reduce(1, Math::multiplyExact))];
      boolean gain = name.endsWith("weight") && shape.length == 1;
      double std = shape.length == 2
          ? (name.endsWith("wte.weight") || name.endsWith("wpe.weight") ? 0.5 : 1 / Math.sqrt(shape[1]))
          : gain ? 0.2 : 0.1;
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) ((gain ? 1 : 0) + std * random.nextGaussian());
      }
      tensors.add(new Float32Tensor(name, shape, values));
    });
    return tensors;
  }

  /** A word-level tokenizer: the two special tokens, then the words w2 ... w63, split on whitespace. */
  static byte[] tokenizerJson() throws IOException {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = json.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    var added = root.putArray("added_tokens");
    String[] specials = {ByteLevelBpeTrainer.END_OF_TEXT, ByteLevelBpeTrainer.PAD};
    for (int id = 0; id < specials.length; id++) {
      added.addObject().put("id", id).put("content", specials[id]).put("single_word", false).put("lstrip", false)
          .put("rstrip", false).put("normalized", false).put("special", true);
    }
    root.putNull("normalizer");
    root.putObject("pre_tokenizer").put("type", "WhitespaceSplit");
    root.putNull("post_processor");
    root.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", false);
    ObjectNode model = root.putObject("model");
    model.put("type", "WordLevel");
    ObjectNode vocab = model.putObject("vocab");
    for (int id = 0; id < specials.length; id++) {
      vocab.put(specials[id], id);
    }
    for (int id = specials.length; id < SHAPE.vocabSize(); id++) {
      vocab.put("w" + id, id);
    }
    model.put("unk_token", ByteLevelBpeTrainer.END_OF_TEXT);
    return json.writeValueAsBytes(root);
  }
}
