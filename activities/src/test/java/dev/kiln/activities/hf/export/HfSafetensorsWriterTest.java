package dev.kiln.activities.hf.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file writer (one tensor in memory at a time) writes the bytes the in-memory one does. */
class HfSafetensorsWriterTest {

  @Test
  void streamingWritesTheSameBytesAsInMemory(@TempDir Path dir) throws Exception {
    Random random = new Random(3);
        List<Float32Tensor> tensors = List.of(
        tensor("b.weight", random, 600, 500), tensor("a.bias", random, 7), tensor("c", random, 2, 3));
    Map<String, long[]> shapes = new LinkedHashMap<>();
    Map<String, float[]> values = new LinkedHashMap<>();
    tensors.forEach(t -> {
      shapes.put(t.name(), t.shape());
      values.put(t.name(), t.values());
    });
    Path file = dir.resolve("model.safetensors");
    Safetensors.write(file, shapes, Map.of("source", "test"), (name, out) -> out.put(values.get(name)));
    assertArrayEquals(Safetensors.write(tensors, Map.of("source", "test")), Files.readAllBytes(file));
    List<Float32Tensor> read = Safetensors.read(Files.readAllBytes(file));
    assertEquals(tensors.size(), read.size());
    read.forEach(t -> assertEquals(tensors.stream().filter(w -> w.name().equals(t.name())).findFirst().orElseThrow(), t));
  }

  @Test
  void valuesOfAnotherSizeAreRefused(@TempDir Path dir) {
    Map<String, long[]> shapes = Map.of("w", new long[] {2, 3});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Safetensors.write(dir.resolve("x.safetensors"), shapes, Map.of(), (name, out) -> out.put(new float[5])));
    assertEquals("tensor 'w' of shape [2, 3] needs 6 values, got 5", e.getMessage());
  }

  private static Float32Tensor tensor(String name, Random random, long... shape) {
    long size = 1;
    for (long d : shape) {
      size *= d;
    }
    float[] v = new float[(int) size];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return new Float32Tensor(name, shape, v);
  }
}
