package dev.kiln.worker;

import dev.kiln.workflows.scope.Architecture;
import dev.kiln.workflows.training.Objective;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.hub.ModelCard;
import dev.kiln.activities.hub.ModelHub;
import dev.kiln.activities.hub.ModelHubActivitiesImpl;
import dev.kiln.activities.scope.ScopeActivitiesImpl;
import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.hub.ModelSelection;
import dev.kiln.workflows.hub.SelectModelRequest;
import dev.kiln.workflows.scope.ScopePlan;
import dev.kiln.workflows.spec.InvalidRunSpecException;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model selection and the storage pre-flight checks, against s3proxy over a temporary directory. */
class ModelHubAndPreflightTest {
  @TempDir static Path home;
  static EmbeddedStack stack;
  static int bucketCounter;
  ObjectStore store;
  final RunSpec spec = RunSpecLoader.load(Path.of("..", "configs", "tiny-gpt.yaml"));
  final ScopePlan plan = new ScopeActivitiesImpl().scope(spec);

  @BeforeAll
  static void startStack() {
    stack = EmbeddedStack.start(home.resolve("s3"), 0, 0);
  }

  @AfterAll
  static void stopStack() {
    stack.close();
  }

  @BeforeEach
  void freshBucket() {
    store = new ObjectStore(stack.storage("hub-test-" + (++bucketCounter)));
    store.ensureBucket();
    new ModelHub(store).seed(Path.of("..", "configs", "hub"));
  }

  @Test
  void withOnlyCardsAndNoWeightsTheRunTrainsFromScratchAndSaysWhy() {
    ModelSelection selection = new ModelHubActivitiesImpl(store).selectModel(new SelectModelRequest(spec, plan));
    assertEquals("scratch", selection.decision());
    assertTrue(selection.reason().contains("gpt2: the hub has no weights for it"), selection.reason());
    assertTrue(selection.reason().contains("bert-base-uncased: it is encoder/mlm"), selection.reason());
  }

  @Test
  void aPublishedModelThatFitsIsContinuedFrom() {
    store.put("hub/prior-gpt/model.safetensors", new byte[] {1});
    store.put("hub/prior-gpt/tokenizer.json", new byte[] {2});
    new ModelHub(store).publish(new ModelCard("prior-gpt", Architecture.DECODER, Objective.CLM, plan.parameters(), plan.shape(),
        "hub/prior-gpt/tokenizer.json", "hub/prior-gpt/model.safetensors", "other", List.of("en"), List.of("generation"),
        "test", List.of(), Map.of(), "test", null));
    ModelSelection selection = new ModelHubActivitiesImpl(store).selectModel(new SelectModelRequest(spec, plan));
    assertEquals("continue", selection.decision());
    assertEquals("prior-gpt", selection.hubModelId());
    assertEquals(plan.shape(), selection.shape());
    assertEquals("hub/prior-gpt/tokenizer.json", selection.tokenizerKey());
  }

  @Test
  void autoContinuesFromTheNewestPublishedModelThatFits() {
    // the older one has exactly the compute-optimal size, the newer one is twice as large: newest wins
    publish("last-week", plan.parameters(), "2026-11-20T02:00:00Z");
    publish("last-night", 2 * plan.parameters(), "2026-11-28T02:00:00Z");
    publish("seeded-nearest", plan.parameters(), null);
    ModelSelection selection = new ModelHubActivitiesImpl(store).selectModel(new SelectModelRequest(spec, plan));
    assertEquals("last-night", selection.hubModelId(), selection.reason());
    assertTrue(selection.reason().contains("newest published hub model that fits (published 2026-11-28T02:00:00Z, 3 fit)"),
        selection.reason());
  }

  private void publish(String id, long parameters, String published) {
    store.put("hub/" + id + "/model.safetensors", new byte[] {1});
    store.put("hub/" + id + "/tokenizer.json", new byte[] {2});
    new ModelHub(store).publish(new ModelCard(id, Architecture.DECODER, Objective.CLM, parameters, plan.shape(),
        "hub/" + id + "/tokenizer.json", "hub/" + id + "/model.safetensors", "other", List.of("en"), List.of("generation"),
        "test", List.of(), Map.of(), "test", published));
  }

  @Test
  void continuingFromAModelTheHubDoesNotHaveFailsWithoutRetry() {
    RunSpec named = new RunSpec(spec.name(), spec.useCase(), spec.budget(), new RunSpec.ModelChoice("continue", "gpt-17"),
        spec.data(), spec.curation(), spec.tokenizer(), spec.training(), spec.evaluation(), spec.resilience());
    ApplicationFailure failure = assertThrows(ApplicationFailure.class,
        () -> new ModelHubActivitiesImpl(store).selectModel(new SelectModelRequest(named, plan)));
    assertTrue(failure.isNonRetryable());
    assertEquals(Failures.INVALID_RUN_SPEC, failure.getType());
    assertTrue(failure.getOriginalMessage().contains("'gpt-17' is not in the hub"), failure.getOriginalMessage());
  }

  @Test
  void aRawPrefixWithoutDataIsRejectedBeforeTheRunStarts() {
    store.put("raw/gutenberg/emma.txt", "Emma Woodhouse".getBytes());
    InvalidRunSpecException e = assertThrows(InvalidRunSpecException.class,
        () -> Preflight.checkData(spec, "configs/tiny-gpt.yaml", store));
    assertEquals(1, e.problems().size());
    assertEquals("data.rawPrefixes[0]", e.problems().get(0).field());
    assertTrue(e.getMessage().contains("'raw/debian-handbook/' holds no objects"), e.getMessage());
    assertTrue(e.getMessage().contains("use one of [raw/gutenberg/]"), e.getMessage());
    assertFalse(e.getMessage().contains("rawPrefixes[1]"));
  }
}
