package dev.kiln.activities.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kiln's Llama against transformers' {@code LlamaForCausalLM}: the fixtures under {@code resources/llama/} are tiny
 * random models that {@code infra/llama-fixtures/make-fixtures.sh} saved with {@code save_pretrained}, with the fp32
 * logits transformers computed for fixed ids. Their safetensors load into Kiln's model as they are (same names, same
 * [out, in] layouts), and its logits must match. Then the Llama trains with Kiln's one trainer, and resumes bitwise.
 */
class LlamaModelTest {

  private static final Device CPU = Device.cpu();
  private static final ObjectMapper JSON = new ObjectMapper();
  /** fp32 throughout on both sides: what is left is the order of floating-point operations. */
  private static final double LOGIT_TOLERANCE = 1e-4;

  /** A Llama fixture: its shape and options read from config.json, its weights and golden logits. */
  record Fixture(ModelShape shape, LlamaOptions options, byte[] safetensors, JsonNode golden) {
    static Fixture of(String name) {
      JsonNode config = json("llama/" + name + "/config.json");
      ModelShape shape = new ModelShape(config.get("vocab_size").asInt(), config.get("max_position_embeddings").asInt(),
          config.get("hidden_size").asInt(), config.get("num_hidden_layers").asInt(),
          config.get("num_attention_heads").asInt());
      JsonNode rope = config.get("rope_parameters");
      assertEquals("default", rope.get("rope_type").asText(), "only the default rope is implemented");
      LlamaOptions options = new LlamaOptions(config.get("num_key_value_heads").asInt(),
          config.get("intermediate_size").asInt(), rope.get("rope_theta").asDouble(),
          config.get("rms_norm_eps").asDouble(), config.get("tie_word_embeddings").asBoolean(),
          config.path("head_dim").asInt(0));
      assertEquals("silu", config.get("hidden_act").asText());
      assertEquals(false, config.get("attention_bias").asBoolean());
      assertEquals(false, config.get("mlp_bias").asBoolean());
      return new Fixture(shape, options, bytes("llama/" + name + "/model.safetensors"), json("llama/" + name + "/golden.json"));
    }

    int[] inputIds() {
      List<Integer> ids = new ArrayList<>();
      golden.get("input_ids").forEach(row -> row.forEach(id -> ids.add(id.asInt())));
      return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    int rows() {
      return golden.get("input_ids").size();
    }

    int length() {
      return golden.get("input_ids").get(0).size();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"tiny-tied", "tiny-untied"})
  void logitsMatchTransformers(String name) {
    Fixture fixture = Fixture.of(name);
    try (LlamaModel model = new LlamaModel(fixture.shape(), fixture.options(), 0, CPU);
        NDManager step = model.newStepManager()) {
      model.loadWeights(fixture.safetensors());
      assertEquals(fixture.golden().get("parameters").asLong(), model.parameterCount());
      assertEquals(fixture.options().parameters(fixture.shape()), model.parameterCount());
      NDArray logits = model.forward(TrainingBatch.tokenArray(step, fixture.inputIds(), fixture.rows(), fixture.length()), false);
      List<Long> expectedShape = new ArrayList<>();
      fixture.golden().get("logits_shape").forEach(d -> expectedShape.add(d.asLong()));
      assertEquals(new Shape(expectedShape.stream().mapToLong(Long::longValue).toArray()), logits.getShape());
      float[] actual = logits.toFloatArray();
      JsonNode expected = fixture.golden().get("logits");
      assertEquals(expected.size(), actual.length);
      double maxDifference = 0;
      for (int i = 0; i < actual.length; i++) {
        maxDifference = Math.max(maxDifference, Math.abs(actual[i] - expected.get(i).asDouble()));
      }
      System.out.printf("%s: max |logit - transformers'| = %.3g over %d logits%n", name, maxDifference, actual.length);
      assertTrue(maxDifference <= LOGIT_TOLERANCE, name + ": max abs logit difference " + maxDifference);
    }
  }

  /** transformers' loss shifts the labels; Kiln's CLM batch reads ids[:-1] and predicts ids[1:]: the same loss. */
  @ParameterizedTest
  @ValueSource(strings = {"tiny-tied", "tiny-untied"})
  void nextTokenLossMatchesTransformers(String name) {
    Fixture fixture = Fixture.of(name);
    int rows = fixture.rows();
    int length = fixture.length() - 1;
    int[] ids = fixture.inputIds();
    int[] inputs = new int[rows * length];
    int[] targets = new int[rows * length];
    for (int row = 0; row < rows; row++) {
      System.arraycopy(ids, row * (length + 1), inputs, row * length, length);
      System.arraycopy(ids, row * (length + 1) + 1, targets, row * length, length);
    }
    try (LlamaModel model = new LlamaModel(fixture.shape(), fixture.options(), 0, CPU);
        NDManager step = model.newStepManager()) {
      model.loadWeights(fixture.safetensors());
      double loss = model.loss(step, TrainingBatch.of(rows, length, inputs, targets), false).getFloat();
      assertEquals(fixture.golden().get("loss").asDouble(), loss, 1e-5);
    }
  }

  /** Kiln's weights are transformers' state_dict: the same names (no lm_head when tied), and they load back. */
  @Test
  void weightsSaveUnderTransformersNames() {
    Fixture fixture = Fixture.of("tiny-tied");
    try (LlamaModel model = new LlamaModel(fixture.shape(), fixture.options(), 0, CPU);
        LlamaModel copy = new LlamaModel(fixture.shape(), fixture.options(), 0, CPU)) {
      model.loadWeights(fixture.safetensors());
      TreeSet<String> names = new TreeSet<>(model.parameters().keySet());
      assertTrue(names.contains("model.embed_tokens.weight"));
      assertTrue(names.contains("model.layers.1.self_attn.k_proj.weight"));
      assertTrue(names.contains("model.layers.0.post_attention_layernorm.weight"));
      assertTrue(names.contains("model.norm.weight"));
      assertFalse(names.contains("lm_head.weight"), "a tied Llama saves no lm_head, as transformers");
      assertEquals(new Shape(2 * 8, 32), model.parameters().get("model.layers.0.self_attn.v_proj.weight").getShape());
      assertEquals(new Shape(32, 64), model.parameters().get("model.layers.0.mlp.down_proj.weight").getShape());
      copy.loadWeights(model.weights());
      assertEquals(model.parameterHash(), copy.parameterHash());
    }
    Fixture untied = Fixture.of("tiny-untied");
    try (LlamaModel tied = new LlamaModel(fixture.shape(), fixture.options(), 0, CPU)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tied.loadWeights(untied.safetensors()));
      assertTrue(e.getMessage().contains("lm_head.weight"), e.getMessage());
    }
  }

  @Test
  void futureTokensDoNotChangeEarlierLogits() {
    Fixture fixture = Fixture.of("tiny-untied");
    try (LlamaModel model = new LlamaModel(fixture.shape(), fixture.options(), 0, CPU);
        NDManager step = model.newStepManager()) {
      model.loadWeights(fixture.safetensors());
      int[] tokens = {3, 1, 4, 1, 5, 9, 2, 6};
      int[] changed = tokens.clone();
      changed[5] = 100;
      NDArray before = model.forward(TrainingBatch.tokenArray(step, tokens, 1, 8), false);
      NDArray after = model.forward(TrainingBatch.tokenArray(step, changed, 1, 8), false);
      assertArrayEquals(before.get(new NDIndex("0, :5")).toFloatArray(), after.get(new NDIndex("0, :5")).toFloatArray(), 1e-6f);
      assertNotEquals(before.get(0, 5).getFloat(0), after.get(0, 5).getFloat(0));
    }
  }

  /**
   * With {@code -Dkiln.llama.exportDir=DIR}: trains each fixture a few steps with Kiln's trainer and writes, per
   * fixture, its weights as {@code model.safetensors}, the fixture's {@code config.json} and Kiln's logits for the
   * golden ids, for {@code infra/llama-fixtures/check_export.py} to load into transformers. Skipped without it.
   */
  @ParameterizedTest
  @ValueSource(strings = {"tiny-tied", "tiny-untied"})
  void exportsWhatTransformersLoads(String name) throws IOException {
    String exportDir = System.getProperty("kiln.llama.exportDir");
    org.junit.jupiter.api.Assumptions.assumeTrue(exportDir != null, "set kiln.llama.exportDir to export");
    Fixture fixture = Fixture.of(name);
    java.nio.file.Path out = java.nio.file.Files.createDirectories(java.nio.file.Path.of(exportDir, name));
    TrainingConfig config = TrainingConfig.builder().shape(fixture.shape()).objective(Objective.CLM).batchSize(4)
        .steps(5).learningRate(1e-2, 1e-3).warmupSteps(0).weightDecay(0.1).gradClip(1.0).seed(1)
        .checkpointEvery(1000).device("cpu").manifestKey("m").llama(fixture.options()).build();
    try (Trainer trainer = new Trainer(fixture.shape(), config, CPU)) {
      trainer.loadWeights(fixture.safetensors());
      SplittableRandom random = new SplittableRandom(3);
      for (int step = 0; step < 5; step++) {
        int[] tokens = random.ints(4 * 17, 0, fixture.shape().vocabSize()).toArray();
        int[] inputs = new int[4 * 16];
        int[] targets = new int[4 * 16];
        for (int row = 0; row < 4; row++) {
          System.arraycopy(tokens, row * 17, inputs, row * 16, 16);
          System.arraycopy(tokens, row * 17 + 1, targets, row * 16, 16);
        }
        trainer.trainStep(step, TrainingBatch.of(4, 16, inputs, targets));
      }
      java.nio.file.Files.write(out.resolve("model.safetensors"), trainer.modelState());
      java.nio.file.Files.write(out.resolve("config.json"), bytes("llama/" + name + "/config.json"));
      try (NDManager step = trainer.model().newStepManager()) {
        float[] logits = ((LlamaModel) trainer.model())
            .forward(TrainingBatch.tokenArray(step, fixture.inputIds(), fixture.rows(), fixture.length()), false)
            .toFloatArray();
        java.util.Map<String, Object> result = new java.util.LinkedHashMap<>();
        result.put("input_ids", fixture.golden().get("input_ids"));
        result.put("logits", logits);
        JSON.writeValue(out.resolve("kiln_logits.json").toFile(), result);
      }
    }
  }

  // --- Training with Kiln's trainer ---

  private static final ModelShape TINY = new ModelShape(32, 16, 32, 2, 4);
  private static final LlamaOptions GQA = new LlamaOptions(2, 64, 10000.0, 1e-6, false, 0);

  private static TrainingConfig config(int steps, double dropout, LlamaOptions llama) {
    return TrainingConfig.builder().shape(TINY).objective(Objective.CLM).batchSize(8).steps(steps)
        .learningRate(1e-2, 1e-3).warmupSteps(Math.min(10, steps)).weightDecay(0.1).gradClip(1.0).dropout(dropout).seed(42L)
        .checkpointEvery(20).device("cpu").manifestKey("manifest").llama(llama).build();
  }

  @Test
  void aConfigWithLlamaOptionsTrainsALlama() {
    try (Trainer trainer = new Trainer(TINY, config(1, 0, GQA), CPU)) {
      LlamaModel model = assertInstanceOf(LlamaModel.class, trainer.model());
      assertEquals(GQA.parameters(TINY), model.parameterCount());
    }
    try (Trainer trainer = new Trainer(TINY, config(1, 0, null), CPU)) {
      assertInstanceOf(GptModel.class, trainer.model());
    }
    assertThrows(IllegalArgumentException.class,
        () -> config(1, 0, GQA).toBuilder().objective(Objective.MLM).build());
  }

  @Test
  void lossFallsOnRepetitiveStream() {
    for (LlamaOptions options : new LlamaOptions[] {GQA, new LlamaOptions(4, 64, 10000.0, 1e-5, true, 0)}) {
      CausalLanguageModeling batcher = new CausalLanguageModeling(
          new TokenWindows(GptTrainerTest.repetitiveStream(2000), 8, 3), 16);
      try (Trainer trainer = new Trainer(TINY, config(60, 0, options), CPU)) {
        trainer.initialise();
        double first = trainer.trainStep(0, batcher.batch(0));
        double last = first;
        for (int step = 1; step < 60; step++) {
          last = trainer.trainStep(step, batcher.batch(step));
        }
        assertEquals(Math.log(32), first, 0.3, "an untrained model predicts ~uniformly");
        assertTrue(last < 0.5, options + ": loss fell only from " + first + " to " + last);
      }
    }
  }

  /** As the GPT's: resumed from a checkpoint's bytes, with attention dropout on, every loss and weight is the same. */
  @Test
  void resumeIsBitwiseIdentical() {
    TrainingConfig config = config(30, 0.1, GQA);
    int[] stream = new SplittableRandom(5).ints(3000, 0, 32).toArray();
    CausalLanguageModeling batcher = new CausalLanguageModeling(new TokenWindows(stream, 8, config.seed()), 16);

    double[] uninterrupted = new double[30];
    String uninterruptedHash;
    try (Trainer a = new Trainer(TINY, config, CPU)) {
      a.initialise();
      for (int step = 0; step < 30; step++) {
        uninterrupted[step] = a.trainStep(step, batcher.batch(step));
      }
      uninterruptedHash = a.parameterHash();
    }

    byte[] model;
    byte[] optimizer;
    try (Trainer b = new Trainer(TINY, config, CPU)) {
      b.initialise();
      for (int step = 0; step < 15; step++) {
        assertEquals(uninterrupted[step], b.trainStep(step, batcher.batch(step)));
      }
      try (Trainer.StateCopy copy = b.copyState()) {
        model = copy.model();
        optimizer = copy.optimizer();
      }
    }

    try (Trainer c = new Trainer(TINY, config, CPU)) {
      c.restore(model, optimizer, 15);
      for (int step = 15; step < 30; step++) {
        assertEquals(uninterrupted[step], c.trainStep(step, batcher.batch(step)), "loss at step " + step);
      }
      assertEquals(uninterruptedHash, c.parameterHash());
    }
  }

  private static JsonNode json(String resource) {
    try {
      return JSON.readTree(bytes(resource));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] bytes(String resource) {
    try (InputStream in = LlamaModelTest.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + resource + ": run infra/llama-fixtures/make-fixtures.sh");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
