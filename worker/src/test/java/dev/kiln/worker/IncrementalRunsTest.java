package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.curation.CurationActivitiesImpl;
import dev.kiln.activities.evaluation.EvaluationActivitiesImpl;
import dev.kiln.activities.hub.ModelHubActivitiesImpl;
import dev.kiln.activities.scope.ScopeActivitiesImpl;
import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.training.TrainingActivitiesImpl;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.workflows.KilnSearchAttributes;
import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.curation.CurationActivities;
import dev.kiln.workflows.curation.CurationWorkflowImpl;
import dev.kiln.workflows.curation.RawSelection;
import dev.kiln.workflows.pretraining.PretrainingWorkflow;
import dev.kiln.workflows.pretraining.PretrainingWorkflowImpl;
import dev.kiln.workflows.pretraining.RunSummary;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.training.TrainingWorkflowImpl;
import dev.kiln.activities.training.CheckpointActivitiesImpl;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestActivityEnvironment;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nightly continued pretraining on newly arrived raw data, with every activity real (s3proxy, DJL) under Temporal's
 * test environment: the first run of a spec with {@code data.onlyNew} curates everything there is; after two new
 * raw objects arrive, the next run curates only those two and continues from the model the first run published;
 * with nothing new, the third run ends at once as skipped, not failed. What a run consumed is recorded only once it
 * has completed.
 */
class IncrementalRunsTest {
  static final String RAW = "raw/nightly/";
  @TempDir Path home;

  @Test
  void eachRunOfALineageCuratesOnlyNewRawDataAndARunWithNothingNewIsSkipped() throws Exception {
    Path books = TestData.dataDir().resolve("raw/gutenberg");
    RunSpec spec = RunSpecLoader.load(Path.of("src", "test", "resources", "incremental-test.yaml"));
    try (EmbeddedStack storage = EmbeddedStack.start(home.resolve("s3"), 0, 0);
        ObjectStore store = new ObjectStore(storage.storage("kiln"))) {
      store.ensureBucket();
      TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance(
          TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
      try {
        KilnSearchAttributes.all().forEach(env::registerSearchAttribute);
        Worker cpu = env.newWorker(TaskQueues.CPU);
        cpu.registerWorkflowImplementationTypes(PretrainingWorkflowImpl.class, CurationWorkflowImpl.class, TrainingWorkflowImpl.class);
        cpu.registerActivitiesImplementations(new ScopeActivitiesImpl(), new ModelHubActivitiesImpl(store),
            new CurationActivitiesImpl(store), new EvaluationActivitiesImpl(store), new CheckpointActivitiesImpl(store));
        env.newWorker(TaskQueues.GPU).registerActivitiesImplementations(new TrainingActivitiesImpl(store));
        env.start();

        for (String book : List.of("blake-poems.txt", "burgess-busterbrown.txt", "austen-persuasion.txt")) {
          store.put(RAW + book, books.resolve(book));
        }
        RunSummary first = run(env, spec, "nightly-1");
        assertEquals(new RawSelection("runs/nightly-1/raw-selection.json", 3, first.raw().bytes(), 3, 0, 0), first.raw());
        assertEquals(3, first.curation().rawDocuments());
        assertEquals("scratch", first.selection().decision(), "the hub is empty before the first run");
        String consumed = CurationActivitiesImpl.consumedPrefix(spec.name());
        assertEquals(List.of(consumed + "nightly-1.json"), keys(store, consumed));

        for (String book : List.of("austen-emma.txt", "austen-sense.txt")) {
          store.put(RAW + book, books.resolve(book));
        }
        RunSummary second = run(env, spec, "nightly-2");
        assertEquals(2, second.raw().objects());
        assertEquals(2, second.raw().newObjects());
        assertEquals(3, second.raw().consumedEarlier());
        assertEquals(1, second.raw().earlierRuns());
        assertEquals(2, second.curation().rawDocuments(), "only the two new books were curated");
        String plan = new String(store.get("runs/nightly-2/curated/plan.json"), StandardCharsets.UTF_8);
        assertTrue(plan.contains(RAW + "austen-emma.txt") && plan.contains(RAW + "austen-sense.txt"), plan);
        assertFalse(plan.contains("persuasion") || plan.contains("blake") || plan.contains("burgess"), plan);
        assertEquals("continue", second.selection().decision(), second.selection().reason());
        assertEquals(spec.name(), second.selection().hubModelId(), "continues from the model the first run published");
        assertEquals(List.of(consumed + "nightly-1.json", consumed + "nightly-2.json"), keys(store, consumed));

        RunSummary third = run(env, spec, "nightly-3");
        assertTrue(third.isSkipped());
        assertTrue(third.skipped().startsWith("no new raw data: all 5 raw objects under [raw/nightly/] were consumed by 2 earlier"),
            third.skipped());
        assertEquals("skipped", env.getWorkflowClient().newUntypedWorkflowStub("nightly-3").describe()
            .getTypedSearchAttributes().get(KilnSearchAttributes.STAGE));
        assertTrue(store.list("runs/nightly-3/").isEmpty(), "a skipped run writes nothing");
        assertEquals(2, keys(store, consumed).size(), "a skipped run consumes nothing");

        // whenNothingNew: all takes every raw object again instead
        TestActivityEnvironment activities = TestActivityEnvironment.newInstance();
        try {
          activities.registerActivitiesImplementations(new CurationActivitiesImpl(store));
          CurationActivities curation = activities.newActivityStub(CurationActivities.class,
              ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(1)).build());
          RunSpec.DataSpec d = spec.data();
          RunSpec all = new RunSpec(spec.name(), spec.useCase(), spec.budget(), spec.model(),
              new RunSpec.DataSpec(d.rawPrefixes(), d.heldOutFraction(), d.documentsPerShard(), true, RunSpec.DataSpec.ALL),
              spec.curation(), spec.tokenizer(), spec.training(), spec.evaluation(), spec.resilience());
          RawSelection everything = curation.selectRaw(new CurationActivities.SelectRawRequest(spec.name(), "nightly-4", all));
          assertEquals(5, everything.objects());
          assertEquals(0, everything.newObjects());
        } finally {
          activities.close();
        }
      } finally {
        env.close();
      }
    }
  }

  private static RunSummary run(TestWorkflowEnvironment env, RunSpec spec, String runId) {
    return env.getWorkflowClient().newWorkflowStub(PretrainingWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(runId).setTaskQueue(TaskQueues.CPU).build()).run(spec);
  }

  private static List<String> keys(ObjectStore store, String prefix) {
    return store.list(prefix).stream().map(ObjectStore.StoredObject::key).toList();
  }
}
