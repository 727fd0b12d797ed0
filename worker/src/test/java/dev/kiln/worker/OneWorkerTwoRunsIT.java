package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.training.TrainingEngine;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.pretraining.PretrainingWorkflow;
import dev.kiln.workflows.pretraining.RunSummary;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two runs train at once on one worker ({@code gpuSlots} 2, one JVM), with dropout on and different seeds, so that
 * they would collide on DJL's process-global gradient collector and engine seed: both complete without an
 * interruption, and each one's final weights are bitwise those of the same spec trained alone.
 *
 * <p>Without {@code TrainingEngine} (tried twice): segments failed with "A PtGradientCollector is already collecting"
 * (4 and 7 times per run; one run waited 97 s, failing at step 0 while the other trained) and resumed from their last
 * checkpoint, losing up to 36 steps. Their final bits still matched, since DJL's one-collector rule kept two steps
 * from seeding at once and a resume is bitwise, so the no-interruption assertion is what catches the collision.
 */
class OneWorkerTwoRunsIT {
  @TempDir Path home;

  @Test
  void twoRunsTrainingAtOnceOnOneWorkerEachTrainBitwiseAsAlone() throws Exception {
    RunSpec a = RunSpecLoader.load(Path.of("src", "test", "resources", "engine-a.yaml"));
    RunSpec b = RunSpecLoader.load(Path.of("src", "test", "resources", "engine-b.yaml"));
    try (EmbeddedStack stack = EmbeddedStack.start(home.resolve("s3"), 0, 0);
        ObjectStore store = new ObjectStore(stack.storage("kiln"));
        TemporalConnection connection = TemporalConnection.connect(stack.temporalAddress(), "default");
        KilnWorker worker = new KilnWorker(connection.client(), store, true, true, 2, 2)) {
      store.ensureBucket();
      TestData.seedSmallCorpus(store, TestData.dataDir());
      worker.start();
      WorkflowClient client = connection.client();

      long contendedBefore = TrainingEngine.contended();
      CompletableFuture<RunSummary> togetherA = WorkflowClient.execute(stub(client, "a-together")::run, a);
      CompletableFuture<RunSummary> togetherB = WorkflowClient.execute(stub(client, "b-together")::run, b);
      RunSummary sa = togetherA.get(10, TimeUnit.MINUTES);
      RunSummary sb = togetherB.get(10, TimeUnit.MINUTES);
      long contended = TrainingEngine.contended() - contendedBefore;
      System.out.println("steps that waited for the engine while both trained: " + contended);
      assertTrue(contended > 0, "the two runs' training overlapped (else this test shows nothing)");
      for (RunSummary s : new RunSummary[] {sa, sb}) {
        assertEquals(s.plan().steps(), s.training().finalCheckpoint().step());
        assertTrue(s.training().interruptions().isEmpty(), "no segment failed: " + s.training().interruptions());
        assertTrue(s.training().resumes().isEmpty(), "no segment resumed: " + s.training().resumes());
      }

      RunSummary aloneA = stub(client, "a-alone").run(a);
      RunSummary aloneB = stub(client, "b-alone").run(b);
      assertTrue(aloneA.training().interruptions().isEmpty() && aloneB.training().interruptions().isEmpty());
      byte[] weightsA = weights(store, "a-together");
      byte[] weightsB = weights(store, "b-together");
      assertTrue(!java.util.Arrays.equals(weightsA, weightsB), "the two specs train different models");
      assertArrayEquals(weights(store, "a-alone"), weightsA, "run a trained alone and beside run b: the same bits");
      assertArrayEquals(weights(store, "b-alone"), weightsB, "run b trained alone and beside run a: the same bits");
    }
  }

  private static PretrainingWorkflow stub(WorkflowClient client, String runId) {
    return client.newWorkflowStub(PretrainingWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(runId).setTaskQueue(TaskQueues.CPU).build());
  }

  private static byte[] weights(ObjectStore store, String runId) {
    return store.get("runs/" + runId + "/model/model.safetensors");
  }
}
