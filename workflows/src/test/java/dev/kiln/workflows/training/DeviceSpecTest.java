package dev.kiln.workflows.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeviceSpecTest {
  @Test
  void namesTheGpusOfEachForm() {
    assertEquals(List.of(), DeviceSpec.gpuIndices("cpu"));
    assertEquals(List.of(0), DeviceSpec.gpuIndices("gpu"));
    assertEquals(List.of(3), DeviceSpec.gpuIndices("gpu:3"));
    assertEquals(List.of(2, 0, 1), DeviceSpec.gpuIndices("gpu:2,0,1"));
    assertEquals(DeviceSpec.ALL_GPUS, DeviceSpec.gpuIndices("gpu:all"));
  }

  @Test
  void countsTheReplicasOfADataParallelSpec() {
    assertEquals(1, DeviceSpec.replicas("cpu"));
    assertEquals(1, DeviceSpec.replicas("gpu:1"));
    assertEquals(3, DeviceSpec.replicas("gpu:0,1,2"));
    assertEquals(-1, DeviceSpec.replicas("gpu:all"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "tpu", "cuda", "gpu:", "gpu:-1", "gpu:x", "gpu:0,", "gpu:0,,1", "GPU", "cpu:0", "gpu:ALL"})
  void rejectsWhatIsNotADevice(String spec) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceSpec.gpuIndices(spec));
    assertTrue(e.getMessage().contains("gpu:all"), "the message lists the accepted forms: " + e.getMessage());
  }

  @Test
  void rejectsAGpuNamedTwice() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceSpec.gpuIndices("gpu:0,1,0"));
    assertTrue(e.getMessage().contains("GPU 0 twice"), e.getMessage());
  }
}
