package dev.kiln.activities.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.hf.HfHubClient;
import dev.kiln.activities.hf.HfHubMirror;
import dev.kiln.activities.hf.HfHubRetry;
import dev.kiln.activities.hf.HfHubSettings;
import dev.kiln.activities.hf.HfModelDirectory;
import dev.kiln.activities.hf.SafetensorsFile;
import dev.kiln.activities.hf.export.Gpt2Import;
import dev.kiln.activities.storage.LocalBucket;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.tokenizer.BpeTokenizer;
import dev.kiln.activities.tokenizer.StoredTokenizer;
import dev.kiln.workflows.scope.Architecture;
import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.MlpActivation;
import dev.kiln.workflows.training.Objective;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hugging Face model directories become hub entries that a run continues from: from a local directory, from the
 * bucket's {@code hub/<id>/}, and from the Hub (a local mirror of its URL layout). The tiny models are the ones
 * transformers saved (resources/hf).
 */
class HfModelImportTest {
  private static final Path FIXTURES = Path.of("src", "test", "resources", "hf");

  @TempDir Path dir;
  private LocalBucket bucket;
  private ObjectStore store;
  private ModelHub hub;

  @BeforeEach
  void start() throws Exception {
    bucket = LocalBucket.start(Files.createDirectories(dir.resolve("s3")), "kiln");
    store = bucket.store();
    hub = new ModelHub(store);
  }

  @AfterEach
  void stop() throws Exception {
    bucket.close();
  }

  private HfModelImport imports(HfHubClient client) {
    return new HfModelImport(store, hub, () -> client);
  }

  private HfModelImport imports() {
    return imports(null);
  }

  @Test
  void aLocalGpt2BecomesAHubEntryWithItsOwnTokenizerAndCard() throws Exception {
    Path model = copy("gpt2", dir.resolve("models/tiny-gpt2"));
    HfModelImport imports = imports();
    assertTrue(imports.names(model.toString()));

    ModelCard card = imports.importModel(model.toString());

    assertEquals("tiny-gpt2", card.id());
    assertEquals("file:" + model, card.source());
    assertEquals(Architecture.DECODER, card.architecture());
    assertEquals(Objective.CLM, card.objective());
    assertEquals(new ModelShape(280, 32, 16, 2, 2), card.shape());
    assertEquals(MlpActivation.GELU_TANH, card.activation(), "GPT-2's gelu_new, from its config.json");
    assertNull(card.llama());
    try (HfModelDirectory directory = HfModelDirectory.open(model)) {
      assertArrayEquals(Gpt2Import.of(directory).safetensors(), store.get(card.weights()),
          "Kiln's names and layouts, as Gpt2Import makes them");
    }
    assertArrayEquals(Files.readAllBytes(model.resolve("tokenizer.json")), store.get(card.tokenizer()));
    assertTrue(store.exists(StoredTokenizer.configKey(card.tokenizer())), "its special tokens travel with it");
    try (BpeTokenizer tokenizer = StoredTokenizer.load(store, card.tokenizer())) {
      assertEquals(0, tokenizer.eosId(), "GPT-2's <|endoftext|>");
    }
    // what its README says reaches the hub card
    assertNotNull(card.license(), card.toString());
    assertEquals(card, hub.card("tiny-gpt2"), "published, and read back the same");
  }

  @Test
  void aLlamaKeepsItsOptionsAndItsEosToken() throws Exception {
    Path model = copy("llama-gqa-untied", dir.resolve("models/llama"));

    ModelCard card = imports().importModel(model.toString());

    LlamaOptions llama = card.llama();
    assertNotNull(llama);
    assertEquals(2, llama.keyValueHeads());
    assertEquals(500000.0, llama.ropeTheta());
    assertFalse(llama.tieWordEmbeddings());
    assertEquals(64, card.shape().contextLength(), "max_position_embeddings");
    assertNull(card.activation());
    List<String> names = List.copyOf(SafetensorsFile.of(store.get(card.weights()), card.weights()).tensors().keySet());
    assertTrue(names.contains("lm_head.weight") && names.contains("model.layers.1.mlp.gate_proj.weight"), names.toString());
    try (BpeTokenizer tokenizer = StoredTokenizer.load(store, card.tokenizer())) {
      assertEquals(2, tokenizer.eosId(), "</s>, named by its tokenizer_config.json");
    }
  }

  @Test
  void aModelDirectoryInTheBucketIsImportedBesideItsFilesAndOnlyOnce() throws Exception {
    try (Stream<Path> files = Files.list(FIXTURES.resolve("gpt2"))) {
      for (Path f : files.toList()) {
        store.put("hub/tiny/" + f.getFileName(), Files.readAllBytes(f));
      }
    }
    byte[] hfWeights = store.get("hub/tiny/model.safetensors");
    HfModelImport imports = imports();
    assertTrue(imports.names("tiny"));

    ModelCard card = imports.importModel("tiny");

    assertEquals("s3:hub/tiny/", card.source());
    assertEquals("hub/tiny/kiln/model.safetensors", card.weights());
    assertArrayEquals(hfWeights, store.get("hub/tiny/model.safetensors"), "the user's files are left as they were");
    assertFalse(imports.names("tiny"), "now a hub card: runs continue from it as from any card");
    assertEquals(card, imports.importModel("tiny"), "the same source again reuses the entry");
  }

  @Test
  void aModelOnTheHubIsDownloadedIntoHuggingFacesCacheAndImported() throws Exception {
    try (HfHubMirror mirror = new HfHubMirror(dir.resolve("mirror"))) {
      HfHubMirror.Model repo = mirror.model("kiln-test/tiny-llama");
      try (Stream<Path> files = Files.list(FIXTURES.resolve("llama-gqa-tied"))) {
        for (Path f : files.toList()) {
          String name = f.getFileName().toString();
          byte[] bytes = Files.readAllBytes(f);
          repo = name.endsWith(".safetensors") ? repo.lfs(name, bytes) : repo.file(name, bytes);
        }
      }
      String sha = repo.publish("main");
      HfHubClient client = new HfHubClient(
          new HfHubSettings(mirror.endpoint(), Optional.empty(), dir.resolve("hf-home/hub"), false, Duration.ofSeconds(5)),
          new HfHubRetry(2, Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofSeconds(1), wait -> {}));

      ModelCard card = imports(client).importModel("hf:kiln-test/tiny-llama");

      assertEquals("kiln-test--tiny-llama", card.id());
      assertEquals("hf:kiln-test/tiny-llama@" + sha, card.source());
      assertTrue(card.llama().tieWordEmbeddings());
      assertTrue(Files.isDirectory(dir.resolve("hf-home/hub/models--kiln-test--tiny-llama/snapshots").resolve(sha)));
    }
  }

  @Test
  void anImportNeverReplacesAnEntryOfAnotherSource() throws Exception {
    Path first = copy("gpt2", dir.resolve("a/tiny"));
    Path second = copy("gpt2-fp16", dir.resolve("b/tiny"));
    Files.copy(first.resolve("tokenizer.json"), second.resolve("tokenizer.json"));
    ModelCard card = imports().importModel(first.toString());
    byte[] weights = store.get(card.weights());

    IllegalArgumentException refused =
        assertThrows(IllegalArgumentException.class, () -> imports().importModel(second.toString()));

    assertTrue(refused.getMessage().contains("never replaces") && refused.getMessage().contains("hub/tiny/"),
        refused.getMessage());
    assertArrayEquals(weights, store.get(card.weights()));
    assertEquals(card, hub.card("tiny"));
  }

  @Test
  void whatCannotBeContinuedIsNamedBeforeAnythingIsWritten() throws Exception {
    Path bert = copy("bert", dir.resolve("models/bert"));
    IllegalArgumentException encoder =
        assertThrows(IllegalArgumentException.class, () -> imports().importModel(bert.toString()));
    assertTrue(encoder.getMessage().contains("model_type bert") && encoder.getMessage().contains("[gpt2, llama]"),
        encoder.getMessage());

    Path noTokenizer = copy("gpt2", dir.resolve("models/bare"));
    Files.delete(noTokenizer.resolve("tokenizer.json"));
    IllegalArgumentException missing =
        assertThrows(IllegalArgumentException.class, () -> imports().importModel(noTokenizer.toString()));
    assertTrue(missing.getMessage().contains("tokenizer.json"), missing.getMessage());

    IllegalArgumentException absent =
        assertThrows(IllegalArgumentException.class, () -> imports().importModel(dir.resolve("nowhere").toString()));
    assertTrue(absent.getMessage().contains("not a directory"), absent.getMessage());
    assertTrue(store.list(ModelHub.PREFIX).isEmpty(), "nothing was written: " + store.list(ModelHub.PREFIX));
  }

  private static Path copy(String fixture, Path to) throws Exception {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(FIXTURES.resolve(fixture))) {
      for (Path f : files.filter(f -> !f.getFileName().toString().equals("golden.json")).toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    return to.toAbsolutePath().normalize();
  }
}
