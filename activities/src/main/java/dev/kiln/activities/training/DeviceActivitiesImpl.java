package dev.kiln.activities.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.training.DeviceActivities;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * Runs on the {@code gpu} queue beside {@link TrainingActivitiesImpl}: the devices this worker has, and whether a
 * run's {@code training.device} is among them ({@link Devices#resolve}, the check the training activity makes).
 */
public final class DeviceActivitiesImpl implements DeviceActivities {
  private final String worker;
  private final IntSupplier gpuCount;

  /** @param worker this worker's identity, named in the report and in a failure */
  public DeviceActivitiesImpl(String worker) {
    this(worker, () -> Engine.getInstance().getGpuCount());
  }

  /** @param gpuCount how many GPUs this worker sees (libtorch's count; tests give another) */
  public DeviceActivitiesImpl(String worker, IntSupplier gpuCount) {
    this.worker = worker;
    this.gpuCount = gpuCount;
  }

  @Override
  public DeviceReport checkDevice(String device) {
    int gpus = gpuCount.getAsInt();
    List<Device> selected;
    try {
      selected = Devices.resolve(device, gpus);
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          e.getMessage() + " [checked on gpu-queue worker " + worker + " before curation]", Failures.INVALID_RUN_SPEC);
    }
    List<String> devices = new ArrayList<>();
    devices.add(Device.cpu().toString());
    for (int i = 0; i < gpus; i++) {
      devices.add(Device.gpu(i).toString());
    }
    return new DeviceReport(worker, gpus, devices, selected.stream().map(Device::toString).toList());
  }
}
