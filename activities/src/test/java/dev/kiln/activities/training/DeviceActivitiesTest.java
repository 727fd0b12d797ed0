package dev.kiln.activities.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.workflows.Failures;
import dev.kiln.workflows.training.DeviceActivities.DeviceReport;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gpu-queue worker's device check that the run makes before curation. */
class DeviceActivitiesTest {
  @Test
  void reportsTheWorkersDevicesAndThoseTheSpecSelects() {
    DeviceReport report = new DeviceActivitiesImpl("gpu-node-3:4821/gpu", () -> 2).checkDevice("gpu:1");
    assertEquals(new DeviceReport("gpu-node-3:4821/gpu", 2, List.of("cpu()", "gpu(0)", "gpu(1)"), List.of("gpu(1)")), report);
    assertEquals(List.of("gpu(0)", "gpu(1)"), new DeviceActivitiesImpl("w", () -> 2).checkDevice("gpu:all").selected());
  }

  @Test
  void aGpuTheWorkerLacksFailsWithoutRetryWithTheTrainingActivitysMessage() {
    for (int gpus : new int[] {0, 1}) {
      ApplicationFailure failure = assertThrows(ApplicationFailure.class,
          () -> new DeviceActivitiesImpl("vm:1/gpu", () -> gpus).checkDevice("gpu:1"));
      String expected = assertThrows(IllegalArgumentException.class, () -> Devices.resolve("gpu:1", gpus)).getMessage();
      assertTrue(failure.isNonRetryable());
      assertEquals(Failures.INVALID_RUN_SPEC, failure.getType());
      assertEquals(expected + " [checked on gpu-queue worker vm:1/gpu before curation]", failure.getOriginalMessage());
      assertTrue(failure.getOriginalMessage().contains("Fix: set training.device to cpu"), failure.getOriginalMessage());
    }
  }
}
