package dev.kiln.activities.training;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Parses {@code cpu}, {@code gpu} and {@code gpu:N} and checks the device exists on this worker. */
public final class Devices {
  private Devices() {}

  public static Device parse(String spec) {
    if (spec == null || spec.equals("cpu")) {
      return Device.cpu();
    }
    int index = spec.equals("gpu") ? 0 : Integer.parseInt(spec.substring("gpu:".length()));
    int gpus = Engine.getInstance().getGpuCount();
    if (index >= gpus) {
      throw new IllegalArgumentException(
          "training.device is '" + spec + "' but this worker sees " + gpus + " GPU(s). Fix: use cpu, or run the"
              + " gpu queue's worker on a machine with a GPU and a CUDA build of libtorch");
    }
    return Device.gpu(index);
  }
}
