package dev.kiln.activities.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.kiln.workflows.scope.ModelShape;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Temporal runs each activity on a pool thread, and a retried or next segment often lands on a thread that has
 * never touched libtorch. Training and evaluation must work there as on the thread that loaded the engine.
 */
class TrainingOnPoolThreadsTest {
  private static final ModelShape TINY = new ModelShape(32, 16, 32, 2, 4);

  @Test
  void stepsAndEvaluationRunOnFreshThreads() throws Exception {
    int[] stream = GptTrainerTest.repetitiveStream(2000);
    CausalLanguageModeling batcher = new CausalLanguageModeling(new TokenWindows(stream, 8, 42), 16);
    List<Double> losses = new ArrayList<>();
    try (Trainer trainer = new Trainer(TINY, GptTrainerTest.config(TINY, 20, 0.0), Device.cpu())) {
      trainer.initialise();
      for (int step = 0; step < 6; step++) {
        int s = step;
        ExecutorService fresh = Executors.newSingleThreadExecutor(); // a thread libtorch has never seen
        try {
          losses.add(fresh.submit(() -> trainer.trainStep(s, batcher.batch(s))).get());
          double heldOut = fresh.submit(() -> new LanguageModelEvaluator((GptModel) trainer.model()).meanLoss(stream, 256)).get();
          assertTrue(Double.isFinite(heldOut));
        } finally {
          fresh.shutdown();
        }
      }
    }
    assertEquals(6, losses.size());
    assertTrue(losses.get(5) < losses.get(0), "it trains: " + losses);
  }
}
