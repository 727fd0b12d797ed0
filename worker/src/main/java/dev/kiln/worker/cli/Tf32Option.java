package dev.kiln.worker.cli;

import dev.kiln.activities.training.Devices;
import picocli.CommandLine.Option;

/**
 * {@code --tf32}: let the worker's GPUs run float32 matmuls in TF32 (Ampere and newer; ~10 bits of mantissa in
 * the products, much faster). libtorch reads {@value Devices#TF32_ENV} from the process environment when it first
 * uses cuBLAS, and a JVM cannot change its own environment, so the {@code kiln} launcher exports it when it sees
 * this flag; here the flag only checks that it took effect. No effect on CPU.
 */
final class Tf32Option {
  @Option(names = "--tf32", description = "TF32 matmuls on the GPUs (the kiln launcher sets " + Devices.TF32_ENV + "=1)")
  boolean tf32;

  /**
   * @return a line for the startup banner
   * @throws IllegalArgumentException if TF32 was asked for but the environment does not carry it
   */
  String check() {
    if (tf32 && !Devices.tf32Enabled()) {
      throw new IllegalArgumentException("--tf32 needs " + Devices.TF32_ENV + "=1 in the worker's environment before the"
          + " JVM starts. Fix: start it through the kiln launcher (./kiln ... --tf32), or export " + Devices.TF32_ENV + "=1");
    }
    return "TF32 matmuls on GPUs: " + (Devices.tf32Enabled() ? "on (" + Devices.TF32_ENV + "=1)" : "off");
  }
}
