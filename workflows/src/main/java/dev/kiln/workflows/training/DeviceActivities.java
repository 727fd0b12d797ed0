package dev.kiln.workflows.training;

import io.temporal.activity.ActivityInterface;
import java.util.List;

/**
 * What a {@code gpu}-queue worker can train on, asked before curation so that a {@code training.device} no worker
 * has fails the run at once instead of after curation (see {@link DeviceSpec}).
 */
@ActivityInterface
public interface DeviceActivities {

  /**
   * Reports this worker's devices and checks {@code device} against them.
   *
   * @throws io.temporal.failure.ApplicationFailure non-retryable, of type
   *     {@link dev.kiln.workflows.Failures#INVALID_RUN_SPEC}, with the training activity's message (the device, the
   *     GPUs this worker has, the fix), if the worker lacks a device the spec names
   */
  DeviceReport checkDevice(String device);

  /**
   * @param worker the worker's identity ({@code <host>:<pid>/<queues>})
   * @param gpus how many GPUs libtorch sees on it
   * @param devices every device it has: {@code cpu()} and {@code gpu(0)..gpu(gpus-1)}
   * @param selected the devices {@code device} names there, in its order
   */
  record DeviceReport(String worker, int gpus, List<String> devices, List<String> selected) {}
}
