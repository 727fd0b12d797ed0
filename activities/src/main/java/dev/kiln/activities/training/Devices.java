package dev.kiln.activities.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.kiln.workflows.training.DeviceSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a run's {@code training.device} ({@link DeviceSpec}: {@code cpu}, {@code gpu}, {@code gpu:N},
 * {@code gpu:all} or {@code gpu:N,M,...}) into the devices of this worker, checking that they exist. Several
 * devices train one model data-parallel (see {@link DataParallelReplicas}).
 */
public final class Devices {

  /** libtorch reads this when it first calls cuBLAS: "1" lets float32 matmuls use TF32 on Ampere and newer. */
  public static final String TF32_ENV = "TORCH_ALLOW_TF32_CUBLAS_OVERRIDE";

  private Devices() {}

  /** The first (or only) device of the spec: where evaluation runs. */
  public static Device parse(String spec) {
    return parseAll(spec).get(0);
  }

  /** Every device of the spec on this worker, in the spec's order; the first holds the master copy. */
  public static List<Device> parseAll(String spec) {
    return resolve(spec, Engine.getInstance().getGpuCount());
  }

  /**
   * The devices of a spec on a worker that sees {@code gpus} GPUs.
   *
   * @throws IllegalArgumentException with the fix, if the spec is malformed or names a GPU this worker lacks
   */
  public static List<Device> resolve(String spec, int gpus) {
    List<Integer> indices = DeviceSpec.gpuIndices(spec); // throws on a malformed spec
    if (indices.isEmpty()) {
      return List.of(Device.cpu());
    }
    String fix = "Fix: set training.device to cpu, or run the gpu queue's worker on a machine with enough GPUs and a"
        + " CUDA build of libtorch (ai.djl.pytorch:pytorch-native-cu* on the classpath)";
    if (gpus == 0) {
      throw new IllegalArgumentException(
          "training.device is '" + spec + "' but this worker sees no GPU (libtorch is a CPU build, or no CUDA device"
              + " is visible). " + fix);
    }
    List<Device> devices = new ArrayList<>();
    if (indices.equals(DeviceSpec.ALL_GPUS)) {
      for (int i = 0; i < gpus; i++) {
        devices.add(Device.gpu(i));
      }
      return devices;
    }
    for (int index : indices) {
      if (index >= gpus) {
        throw new IllegalArgumentException("training.device is '" + spec + "' but this worker sees " + gpus
            + " GPU(s), numbered 0.." + (gpus - 1) + ". " + fix);
      }
      devices.add(Device.gpu(index));
    }
    return devices;
  }

  /** Whether this process lets libtorch run float32 matmuls in TF32 (the env must be set before the JVM starts). */
  public static boolean tf32Enabled() {
    return "1".equals(System.getenv(TF32_ENV));
  }
}
