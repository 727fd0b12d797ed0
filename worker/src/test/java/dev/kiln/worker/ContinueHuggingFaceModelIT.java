package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.tokenizer.TokenManifest;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.pretraining.PretrainingWorkflow;
import dev.kiln.workflows.pretraining.RunSummary;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.training.MlpActivation;
import io.temporal.client.WorkflowOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A user's Hugging Face model, continued and handed back, end to end on the embedded stack: the tiny GPT-2 and Llama
 * that transformers saved (activities' fixtures) are named by a run spec as a model directory, imported into the hub,
 * continued on curated data tokenized with their own tokenizers, and exported. Then transformers itself loads the
 * exported directory with no code and no flags and decodes greedily, and {@code kiln generate} must give the same ids.
 *
 * <p>The transformers side needs the pinned Python venv ({@code infra/python-venv.sh}); {@code infra/test.sh} makes it
 * and passes its interpreter as {@code KILN_PYTHON}. Without it this test is skipped, never passed.
 */
class ContinueHuggingFaceModelIT {
  private static final Path FIXTURES = Path.of("..", "activities", "src", "test", "resources", "hf");
  private static final String PROMPT = "The ";
  private static final int NEW_TOKENS = 16;

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"gpt2", "llama-gqa-tied"})
  void aContinuedHuggingFaceModelGeneratesInTransformersAsInKiln(String fixture) throws Exception {
    String python = System.getenv("KILN_PYTHON");
    Assumptions.assumeTrue(python != null && Files.isExecutable(Path.of(python)),
        "KILN_PYTHON (infra/test.sh sets it to infra/python-venv.sh's interpreter) runs transformers");
    Path model = copyWithoutGoldens(FIXTURES.resolve(fixture), dir.resolve("models").resolve(fixture));
    Path specFile = dir.resolve("continue-hf.yaml");
    Files.writeString(specFile, Files.readString(Path.of("src", "test", "resources", "continue-hf.yaml"))
        .replace("HUB_MODEL", "./models/" + fixture));
    Files.copy(Path.of("src", "test", "resources", "kill-test-curation.yaml"), dir.resolve("kill-test-curation.yaml"));
    RunSpec spec = RunSpecLoader.load(specFile);
    assertEquals(model.toAbsolutePath().normalize().toString(), spec.model().hubModel(),
        "a relative model directory travels as an absolute path");

    Path exported = dir.resolve("exported");
    try (EmbeddedStack stack = EmbeddedStack.start(dir.resolve("s3"), 0, 0);
        ObjectStore store = new ObjectStore(stack.storage("kiln"));
        TemporalConnection connection = TemporalConnection.connect(stack.temporalAddress(), "default")) {
      store.ensureBucket();
      TestData.seedSmallCorpus(store, TestData.dataDir());
      RunSummary summary;
      try (KilnWorker worker = new KilnWorker(connection.client(), store, true, true, 2, 1)) {
        worker.start();
        PretrainingWorkflow run = connection.client().newWorkflowStub(PretrainingWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId("continue-" + fixture).setTaskQueue(TaskQueues.CPU).build());
        summary = run.run(spec);
      }
      System.out.println(fixture + ": " + summary.selection().reason() + "; " + summary.evaluation());

      // selected as an import, with the model's own architecture and tokenizer
      assertTrue(summary.selection().continues(), summary.selection().reason());
      assertEquals(fixture, summary.selection().hubModelId());
      assertEquals("hub/" + fixture + "/kiln/tokenizer.json", summary.curation().tokenizerKey(),
          "curation tokenized with the model's tokenizer instead of training one");
      TokenManifest manifest = TokenManifest.fromJson(
          new String(store.get(summary.curation().manifestKey()), StandardCharsets.UTF_8));
      JsonNode sourceConfig = new ObjectMapper().readTree(model.resolve("config.json").toFile());
      assertTrue(manifest.vocabSize() <= sourceConfig.get("vocab_size").asInt(), manifest.toString());
      assertEquals(sourceConfig.get("eos_token_id").asInt(), manifest.eosId(), "documents end with the model's eos");
      if (fixture.startsWith("llama")) {
        assertNotNull(summary.selection().llama(), "a Llama continues as a Llama");
      } else {
        assertNull(summary.selection().llama());
        assertEquals(MlpActivation.GELU_TANH, summary.selection().activation(), "GPT-2's gelu_new is kept");
      }
      assertTrue(summary.training().finalCheckpoint().step() == 60, summary.training().toString());

      for (ObjectStore.StoredObject o : store.list(summary.evaluation().modelPrefix())) {
        Path file = exported.resolve(o.key().substring(summary.evaluation().modelPrefix().length()));
        Files.createDirectories(file.getParent());
        Files.write(file, store.get(o.key()));
      }
    }

    JsonNode transformers = greedyInTransformers(python, exported);
    assertEquals(fixture.startsWith("llama") ? "LlamaForCausalLM" : "GPT2LMHeadModel",
        transformers.get("architecture").asText());
    CliRunner.Result kiln = new CliRunner().kiln("generate", exported.toString(), "--prompt", PROMPT,
        "--max-new-tokens", String.valueOf(NEW_TOKENS), "--ids");
    assertEquals(0, kiln.code(), kiln.err());
    int[] kilnIds = Arrays.stream(kiln.out().trim().replaceAll("[\\[\\]\\s]", "").split(","))
        .mapToInt(Integer::parseInt).toArray();
    int[] promptIds = ints(transformers.get("prompt_ids"));
    int[] generated = ints(transformers.get("generated_ids"));
    System.out.println(fixture + ": transformers " + transformers + "; kiln generate " + Arrays.toString(kilnIds));
    assertTrue(generated.length > 0, transformers.toString());
    assertEquals(Arrays.toString(promptIds), Arrays.toString(Arrays.copyOf(kilnIds, promptIds.length)),
        "the same tokenizer: the prompt's ids agree");
    // transformers stops at the model's eos, Kiln generates the tokens asked for: equal up to where transformers ends
    int[] kilnGenerated = Arrays.copyOfRange(kilnIds, promptIds.length, promptIds.length + generated.length);
    assertEquals(Arrays.toString(generated), Arrays.toString(kilnGenerated), "greedy ids of transformers and Kiln");
  }

  private static JsonNode greedyInTransformers(String python, Path model) throws IOException, InterruptedException {
    Path script = Path.of("..", "infra", "hf-fixtures", "greedy_generate.py");
    List<String> command = new ArrayList<>(List.of(python, script.toString(), model.toString(), PROMPT,
        String.valueOf(NEW_TOKENS)));
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] out = process.getInputStream().readAllBytes();
    assertTrue(process.waitFor(5, TimeUnit.MINUTES), "transformers finished");
    assertEquals(0, process.exitValue(), "transformers loaded " + model + ": " + new String(out, StandardCharsets.UTF_8));
    String text = new String(out, StandardCharsets.UTF_8).trim();
    return new ObjectMapper().readTree(text.substring(text.lastIndexOf('\n') + 1));
  }

  private static int[] ints(JsonNode array) {
    int[] values = new int[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = array.get(i).asInt();
    }
    return values;
  }

  /** The fixture as a user has it: transformers' files, without the goldens the unit tests use. */
  private static Path copyWithoutGoldens(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path file : files.filter(f -> !f.getFileName().toString().equals("golden.json")).toList()) {
        Files.copy(file, to.resolve(file.getFileName()));
      }
    }
    return to;
  }
}
