package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.kiln.activities.evaluation.SavedModel;
import dev.kiln.activities.evaluation.TextScores;
import dev.kiln.activities.hf.HfFileSource;
import dev.kiln.activities.hf.export.HfExportFiles;
import dev.kiln.activities.hf.export.HfLlamaExport;
import dev.kiln.activities.hf.export.SpecialTokens;
import dev.kiln.activities.tokenizer.BpeTokenizer;
import dev.kiln.activities.tokenizer.ByteLevelBpeTrainer;
import dev.kiln.activities.training.CausalLanguageModeling;
import dev.kiln.activities.training.GptModel;
import dev.kiln.activities.training.LanguageModelEvaluator;
import dev.kiln.activities.training.LlamaModel;
import dev.kiln.activities.training.TokenWindows;
import dev.kiln.activities.training.Trainer;
import dev.kiln.activities.training.TransformerModel;
import dev.kiln.activities.training.UnigramBaseline;
import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln generate} and {@code kiln evaluate} on a model directory as evaluation saves it: a tiny decoder trained
 * here for a few steps, its tokenizer, and Kiln's config.json; a Hugging Face GPT-2 and Llama; an exported Llama run.
 */
class GenerateAndEvaluateCommandsTest {
  private static final String TEXT = "the cat sat on the mat. the dog sat on the log. ".repeat(40);
  private static final CliRunner CLI = new CliRunner();

  @TempDir static Path dir;
  static Path model;
  static int vocab;

  @BeforeAll
  static void trainATinyDecoder() throws Exception {
    model = dir.resolve("model");
    Files.createDirectories(model);
    Files.writeString(model.resolve("tokenizer.json"), new ByteLevelBpeTrainer(270).train(List.of(TEXT)));
    int[] tokens;
    try (BpeTokenizer tokenizer = BpeTokenizer.load(model.resolve("tokenizer.json"))) {
      tokens = tokenizer.encode(TEXT);
      vocab = tokenizer.vocabSize();
    }
    ModelShape shape = new ModelShape(vocab, 16, 32, 2, 4);
    TrainingConfig config = TrainingConfig.builder().shape(shape).objective(Objective.CLM).batchSize(8).steps(60)
        .learningRate(1e-2, 1e-3).warmupSteps(5).weightDecay(0.1).gradClip(1.0).seed(3).checkpointEvery(60)
        .device("cpu").manifestKey("test").build();
    CausalLanguageModeling batches = new CausalLanguageModeling(new TokenWindows(tokens, 8, 3), 16);
    try (Trainer trainer = new Trainer(shape, config, Device.cpu())) {
      trainer.initialise();
      for (int step = 0; step < 60; step++) {
        trainer.trainStep(step, batches.batch(step));
      }
      Files.write(model.resolve("model.safetensors"), trainer.modelState());
    }
    Files.writeString(model.resolve("config.json"), """
        {"architecture": "decoder", "objective": "clm", "vocab_size": %d, "n_positions": 16, "n_embd": 32,
         "n_layer": 2, "n_head": 4, "tie_word_embeddings": true}""".formatted(vocab));
  }

  @Test
  void generateContinuesThePromptAsTheEvaluatorDoes() throws Exception {
    CliRunner.Result r = CLI.kiln("generate", model.toString(), "--prompt", "the cat", "--max-new-tokens", "12");
    assertEquals(0, r.code(), r.err());
    String expected;
    try (BpeTokenizer tokenizer = BpeTokenizer.load(model.resolve("tokenizer.json"));
        TransformerModel loaded = TransformerModel.load(Objective.CLM, new ModelShape(vocab, 16, 32, 2, 4),
            Files.readAllBytes(model.resolve("model.safetensors")), Device.cpu())) {
      expected = tokenizer.decode(new LanguageModelEvaluator((GptModel) loaded).generate(tokenizer.encode("the cat"), 12, 0, 0));
    }
    assertEquals(expected + "\n", r.out());
    assertTrue(expected.startsWith("the cat") && expected.length() > "the cat".length(), expected);

    CliRunner.Result sampled = CLI.kiln("generate", model.toString(), "--prompt", "the", "--temperature", "1.0",
        "--top-k", "1", "--max-new-tokens", "12");
    CliRunner.Result greedy = CLI.kiln("generate", model.toString(), "--prompt", "the", "--max-new-tokens", "12");
    assertEquals(greedy.out(), sampled.out(), "top-k 1 samples the most likely token: greedy");
  }

  @Test
  void aHuggingFaceGpt2DirectoryGeneratesAsKilnsOwn() {
    // the tiny GPT-2 transformers saved (activities' fixtures): imported, then generated from like a run's model
    Path gpt2 = Path.of("..", "activities", "src", "test", "resources", "hf", "gpt2");
    CliRunner.Result r = CLI.kiln("generate", gpt2.toString(), "--prompt", "the", "--max-new-tokens", "6");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("the") && r.out().length() > "the\n".length(), r.out());
  }

  @Test
  void aHuggingFaceLlamaDirectoryGeneratesAndEvaluates() throws Exception {
    // the tiny Llama transformers saved (activities' fixtures), with its own Metaspace tokenizer and no <|endoftext|>
    Path llama = Path.of("..", "activities", "src", "test", "resources", "hf", "llama-gqa-tied");
    CliRunner.Result r = CLI.kiln("generate", llama.toString(), "--prompt", "The kiln", "--max-new-tokens", "6");
    assertEquals(0, r.code(), r.err());
    SavedModel saved = SavedModel.fromDirectory(HfFileSource.directory(llama));
    assertEquals(r.out(), greedy(saved, "The kiln", 6) + "\n");
    assertTrue(r.out().startsWith("The kiln") && r.out().length() > "The kiln\n".length(), r.out());

    Path text = dir.resolve("llama-text.txt");
    Files.writeString(text, "The kiln fires clay. ".repeat(10));
    CliRunner.Result scored = CLI.kiln("evaluate", llama.toString(), "--text", text.toString());
    assertEquals(0, scored.code(), scored.err());
    assertTrue(scored.out().startsWith("perplexity of ") && scored.out().contains(" on " + text + ": "), scored.out());
    try (BpeTokenizer tokenizer = saved.tokenizer(); TransformerModel loaded = saved.load(Device.cpu())) {
      int[] ids = tokenizer.encode(Files.readString(text));
      double loss = TextScores.causal((LlamaModel) loaded, new UnigramBaseline(ids, saved.shape().vocabSize()), ids).heldOutLoss();
      assertTrue(scored.out().contains(String.format(java.util.Locale.ROOT, "(cross-entropy %.4f nats/token", loss)),
          "the Llama's own loss: " + loss + " vs " + scored.out());
    }
  }

  /** BERT, RoBERTa and T5 directories transformers saved are scored with their objective's metric. */
  @ParameterizedTest
  @CsvSource({"bert, pseudo-perplexity", "roberta, pseudo-perplexity", "t5-v1_1, span-target perplexity"})
  void huggingFaceEncodersAndT5sEvaluateWithTheirObjective(String fixture, String metric) throws Exception {
    Path hf = Path.of("..", "activities", "src", "test", "resources", "hf", fixture);
    Path text = dir.resolve(fixture + "-text.txt");
    Files.writeString(text, "the cat sat on the mat and the dog ran to the park . ".repeat(120));
    CliRunner.Result scored = CLI.kiln("evaluate", hf.toString(), "--text", text.toString());
    assertEquals(0, scored.code(), scored.err());
    assertTrue(scored.out().startsWith(metric + " of ") && scored.out().contains(" on " + text + ": "), scored.out());
    SavedModel saved = SavedModel.fromDirectory(HfFileSource.directory(hf));
    assertEquals(fixture.startsWith("t5") ? Objective.SPAN_CORRUPTION : Objective.MLM, saved.objective());
  }

  /** A Llama trained here a few steps and exported as evaluation exports a Llama run, read back by the commands. */
  @Test
  void anExportedLlamaRunGeneratesAsTheEvaluatorDoes() throws Exception {
    byte[] tokenizer = Files.readAllBytes(model.resolve("tokenizer.json"));
    int[] tokens;
    try (BpeTokenizer t = BpeTokenizer.load(model.resolve("tokenizer.json"))) {
      tokens = t.encode(TEXT);
    }
    ModelShape shape = new ModelShape(vocab, 16, 32, 2, 4);
    LlamaOptions options = new LlamaOptions(2, 64, 10000.0, 1e-6, true, 0);
    TrainingConfig config = TrainingConfig.builder().shape(shape).objective(Objective.CLM).batchSize(8).steps(60)
        .learningRate(1e-2, 1e-3).warmupSteps(5).weightDecay(0.1).gradClip(1.0).seed(3).checkpointEvery(60)
        .device("cpu").manifestKey("test").llama(options).build();
    CausalLanguageModeling batches = new CausalLanguageModeling(new TokenWindows(tokens, 8, 3), 16);
    Path llama = dir.resolve("llama-run-model");
    try (Trainer trainer = new Trainer(shape, config, Device.cpu())) {
      trainer.initialise();
      for (int step = 0; step < 60; step++) {
        trainer.trainStep(step, batches.batch(step));
      }
      HfExportFiles.write(llama, HfLlamaExport.files(trainer.modelState(), shape, options, 0.0, tokenizer,
          SpecialTokens.kilnDefaults(tokenizer), "---\nlibrary_name: transformers\n---\n", Map.of()));
    }
    CliRunner.Result r = CLI.kiln("generate", llama.toString(), "--prompt", "the cat", "--max-new-tokens", "12");
    assertEquals(0, r.code(), r.err());
    SavedModel saved = SavedModel.fromDirectory(HfFileSource.directory(llama));
    assertEquals(options, saved.llama());
    assertEquals(greedy(saved, "the cat", 12) + "\n", r.out());

    Path text = dir.resolve("text-for-llama.txt");
    Files.writeString(text, TEXT);
    CliRunner.Result scored = CLI.kiln("evaluate", llama.toString(), "--text", text.toString());
    assertEquals(0, scored.code(), scored.err());
    double perplexity = Double.parseDouble(scored.out().split(": ")[1].split(" ")[0]);
    double unigram = Double.parseDouble(scored.out().replaceAll("(?s).*unigram: ([0-9.]+).*", "$1"));
    assertTrue(perplexity < unigram, "the trained Llama beats the text's unigram: " + scored.out());
  }

  /** The greedy continuation Kiln's evaluator gives, on the model and tokenizer as read from the directory. */
  private static String greedy(SavedModel saved, String prompt, int newTokens) {
    try (BpeTokenizer tokenizer = saved.tokenizer(); TransformerModel loaded = saved.load(Device.cpu())) {
      LlamaModel llama = assertInstanceOf(LlamaModel.class, loaded);
      return tokenizer.decode(new LanguageModelEvaluator(llama).generate(tokenizer.encode(prompt), newTokens, 0, 0));
    }
  }

  @Test
  void evaluateGivesThePerplexityOnTheUsersText() throws Exception {
    Path text = dir.resolve("text.txt");
    Files.writeString(text, TEXT);
    CliRunner.Result r = CLI.kiln("evaluate", model.toString(), "--text", text.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("perplexity of " + model + " on " + text + ": "), r.out());
    double perplexity = Double.parseDouble(r.out().split(": ")[1].split(" ")[0]);
    double unigram = Double.parseDouble(r.out().replaceAll("(?s).*unigram: ([0-9.]+).*", "$1"));
    assertTrue(perplexity < unigram, "the trained decoder beats the text's unigram: " + r.out());
  }

  @Test
  void badModelsAndTextsAreNamedWithTheFix() throws Exception {
    CliRunner.Result missing = CLI.kiln("generate", "no-such-run", "--prompt", "x", "--home", dir.resolve("nohome").toString());
    assertEquals(2, missing.code(), missing.out());
    assertTrue(missing.err().contains("MODEL 'no-such-run' is not a directory") && missing.err().contains("--s3-endpoint"),
        missing.err());

    Path encoder = dir.resolve("encoder");
    Files.createDirectories(encoder);
    for (String f : new String[] {"model.safetensors", "tokenizer.json"}) {
      Files.copy(model.resolve(f), encoder.resolve(f));
    }
    Files.writeString(encoder.resolve("config.json"), """
        {"architecture": "encoder", "objective": "mlm", "vocab_size": %d, "n_positions": 16, "n_embd": 32,
         "n_layer": 2, "n_head": 4}""".formatted(vocab));
    CliRunner.Result notDecoder = CLI.kiln("generate", encoder.toString(), "--prompt", "x");
    assertEquals(2, notDecoder.code());
    assertTrue(notDecoder.err().contains("not a decoder") && notDecoder.err().contains("kiln evaluate"), notDecoder.err());

    Path hf = dir.resolve("hf");
    Files.createDirectories(hf);
    for (String f : new String[] {"model.safetensors", "tokenizer.json"}) {
      Files.copy(model.resolve(f), hf.resolve(f));
    }
    Files.writeString(hf.resolve("config.json"), "{\"model_type\": \"mistral\"}");
    CliRunner.Result foreign = CLI.kiln("evaluate", hf.toString(), "--text", model.resolve("config.json").toString());
    assertEquals(2, foreign.code());
    assertTrue(foreign.err().contains("holds a Hugging Face mistral model")
        && foreign.err().contains("gpt2, llama, bert, roberta and t5"), foreign.err());

    CliRunner.Result noText = CLI.kiln("evaluate", model.toString(), "--text", dir.resolve("none.txt").toString());
    assertEquals(2, noText.code());
    assertTrue(noText.err().contains("is not a file"), noText.err());
  }
}
