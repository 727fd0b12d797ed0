package dev.kiln.activities.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.List;
import org.junit.jupiter.api.Test;

class DevicesTest {
  @Test
  void resolvesEachFormAgainstTheGpusAWorkerSees() {
    assertEquals(List.of(Device.cpu()), Devices.resolve("cpu", 0));
    assertEquals(List.of(Device.cpu()), Devices.resolve("cpu", 4));
    assertEquals(List.of(Device.gpu(0)), Devices.resolve("gpu", 1));
    assertEquals(List.of(Device.gpu(2)), Devices.resolve("gpu:2", 4));
    assertEquals(List.of(Device.gpu(0), Device.gpu(1), Device.gpu(2)), Devices.resolve("gpu:all", 3));
    assertEquals(List.of(Device.gpu(3), Device.gpu(1)), Devices.resolve("gpu:3,1", 4));
  }

  @Test
  void aGpuOnAWorkerWithoutOneFailsNamingTheFix() {
    for (String spec : List.of("gpu", "gpu:0", "gpu:all", "gpu:0,1")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Devices.resolve(spec, 0));
      assertTrue(e.getMessage().contains("sees no GPU") && e.getMessage().contains("Fix: set training.device to cpu"), e.getMessage());
    }
  }

  @Test
  void aGpuNumberBeyondTheWorkersFailsNamingHowManyThereAre() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Devices.resolve("gpu:0,2", 2));
    assertTrue(e.getMessage().contains("sees 2 GPU(s), numbered 0..1"), e.getMessage());
  }

  @Test
  void aMalformedSpecFailsBeforeLookingForGpus() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Devices.resolve("cuda", 8));
    assertTrue(e.getMessage().contains("not a known device"), e.getMessage());
  }

  @Test
  void thisCpuBuildOfLibtorchSeesNoGpuSoAGpuSpecFailsHere() {
    // The real engine, not a number passed in: what a gpu run on this worker would meet.
    if (Engine.getInstance().getGpuCount() == 0) {
      assertThrows(IllegalArgumentException.class, () -> Devices.parseAll("gpu"));
    }
    assertEquals(Device.cpu(), Devices.parse("cpu"));
  }
}
