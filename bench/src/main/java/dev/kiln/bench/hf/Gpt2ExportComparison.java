package dev.kiln.bench.hf;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kiln.activities.hf.export.HfExportFiles;
import dev.kiln.activities.hf.export.HfGpt2Export;
import dev.kiln.activities.hf.export.SpecialTokens;
import dev.kiln.activities.tokenizer.BpeTokenizer;
import dev.kiln.activities.tokenizer.ByteLevelBpeTrainer;
import dev.kiln.activities.training.GptModel;
import dev.kiln.activities.training.LanguageModelEvaluator;
import dev.kiln.activities.training.PretrainingObjective;
import dev.kiln.activities.training.Trainer;
import dev.kiln.activities.training.TrainingBatch;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.MlpActivation;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kiln's side of bench/hf/compare_gpt2.py: trains a small GPT on a book (so that its logits are far from uniform and
 * greedy decoding is not decided by rounding), exports it as a Hugging Face GPT-2 directory and writes what Kiln
 * computes with it, the ids of fixed prompts, every position's logits and greedy continuations, to
 * {@code kiln-reference.json} beside the export, for transformers to reproduce.
 *
 * <p>Arguments: output directory, activation ({@code gelu_new} or {@code gelu}; default gelu_new), training steps
 * (default 300). Text: {@code $KILN_DATA_DIR/raw/gutenberg/austen-emma.txt} (infra/fetch-data.sh), else a text made
 * here.
 */
public final class Gpt2ExportComparison {
  static final List<String> PROMPTS = List.of(
      "It was a truth universally acknowledged", "Emma Woodhouse, handsome, clever, and rich,",
      "\"I do not know,\" said Mr. Knightley", "The");
  static final int NEW_TOKENS = 24;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Gpt2ExportComparison() {}

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args.length > 0 ? args[0] : "target/hf-gpt2");
    MlpActivation activation = MlpActivation.of(args.length > 1 ? args[1] : "gelu_new");
    int steps = args.length > 2 ? Integer.parseInt(args[2]) : 300;
    String text = text();
    String tokenizerJson = new ByteLevelBpeTrainer(512).train(List.of(text));
    Files.createDirectories(out);
    Path tokenizerFile = out.resolve("kiln-tokenizer.json");
    Files.writeString(tokenizerFile, tokenizerJson);
    try (BpeTokenizer tokenizer = BpeTokenizer.load(tokenizerFile)) {
      int[] tokens = tokenizer.encode(text);
      ModelShape shape = new ModelShape(tokenizer.vocabSize(), 64, 64, 2, 4);
      TrainingConfig config = TrainingConfig.builder().shape(shape).objective(Objective.CLM).batchSize(16).steps(steps)
          .learningRate(3e-3, 3e-4).warmupSteps(20).weightDecay(0.1).gradClip(1.0).seed(7).checkpointEvery(steps)
          .device("cpu").manifestKey("bench").activation(activation).build();
      PretrainingObjective batches = PretrainingObjective.of(Objective.CLM, tokens, shape, config.batchSize(), config.seed());
      byte[] weights;
      double loss = Double.NaN;
      try (Trainer trainer = new Trainer(shape, config, Device.cpu())) {
        trainer.initialise();
        for (int step = 0; step < steps; step++) {
          loss = trainer.trainStep(step, batches.batch(step));
          if (step % 50 == 0 || step == steps - 1) {
            System.err.printf("step %d loss %.4f%n", step, loss);
          }
        }
        weights = trainer.model().weights();
      }
      String card = "---\nlibrary_name: transformers\npipeline_tag: text-generation\ntags:\n- kiln\n- gpt2\n---\n\n"
          + "# Kiln GPT-2 export check\n\nA " + shape + " GPT trained " + steps + " steps by bench/hf.\n";
      Path model = out.resolve("model");
      HfExportFiles.write(model, HfGpt2Export.files(
          weights, shape, activation, 0.0, tokenizerJson.getBytes(StandardCharsets.UTF_8),
          SpecialTokens.kilnDefaults(tokenizerJson.getBytes(StandardCharsets.UTF_8)), card, Map.of()));
      Map<String, Object> reference = new LinkedHashMap<>();
      reference.put("activation", activation.id());
      reference.put("shape", shape);
      reference.put("steps", steps);
      reference.put("final_train_loss", loss);
      reference.put("new_tokens", NEW_TOKENS);
      List<Map<String, Object>> prompts = new ArrayList<>();
      try (GptModel gpt = (GptModel) dev.kiln.activities.training.TransformerModel.load(
          Objective.CLM, shape, activation, weights, Device.cpu())) {
        LanguageModelEvaluator evaluator = new LanguageModelEvaluator(gpt);
        for (String prompt : PROMPTS) {
          int[] ids = tokenizer.encode(prompt);
          Map<String, Object> p = new LinkedHashMap<>();
          p.put("text", prompt);
          p.put("ids", ids);
          p.put("logits", logits(gpt, ids));
          p.put("greedy", evaluator.generate(ids, NEW_TOKENS, 0, 0));
          prompts.add(p);
        }
      }
      reference.put("prompts", prompts);
      Files.write(out.resolve("kiln-reference.json"), JSON.writeValueAsBytes(reference));
      System.err.println("wrote " + model + " and " + out.resolve("kiln-reference.json"));
    }
  }

  /** Logits [position][vocab] of one sequence. */
  static float[][] logits(GptModel model, int[] ids) {
    try (NDManager step = model.newStepManager()) {
      NDArray all = model.forward(TrainingBatch.tokenArray(step, ids, 1, ids.length), false);
      float[][] rows = new float[ids.length][];
      for (int t = 0; t < ids.length; t++) {
        rows[t] = all.get(0, t).toFloatArray();
      }
      return rows;
    }
  }

  private static String text() throws IOException {
    String dataDir = System.getenv().getOrDefault("KILN_DATA_DIR", System.getProperty("user.home") + "/.cache/kiln/data");
    Path book = Path.of(dataDir, "raw", "gutenberg", "austen-emma.txt");
    if (Files.exists(book)) {
      return Files.readString(book);
    }
    System.err.println("no " + book + " (infra/fetch-data.sh): training on a made-up text");
    StringBuilder b = new StringBuilder();
    java.util.SplittableRandom random = new java.util.SplittableRandom(3);
    String[] words = {"the", "house", "was", "quiet", "and", "she", "said", "that", "it", "rained", "all", "day", "."};
    for (int i = 0; i < 200_000; i++) {
      b.append(words[random.nextInt(words.length)]).append(i % 17 == 16 ? "\n" : " ");
    }
    return b.toString();
  }
}
