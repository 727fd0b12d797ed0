package dev.kiln.activities.training;

import dev.kiln.workflows.training.TrainingConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The peak resident memory of this process while it trains a model: Linux's high-water mark (VmHWM in
 * /proc/self/status) reset just before (writing 5 to /proc/self/clear_refs), then read after a few training steps of a
 * fresh model of the config's shape, batch size and context length. It counts the whole process (the JVM, libtorch,
 * the model, AdamW's state and the steps' activations), so other work in the process at the same time adds to it; a
 * ladder measures its rungs one per worker slot. 0 where the OS does not report it (not Linux). On a GPU device it is
 * host memory, not device memory.
 */
public final class TrainingStepMemory {
  private static final Path STATUS = Path.of("/proc/self/status");
  private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

  private TrainingStepMemory() {}

  /** Peak resident bytes over {@code steps} training steps on {@code tokens}, or 0 where unknown. */
  public static long peakResidentBytes(TrainingConfig config, int[] tokens, List<ai.djl.Device> devices, int steps) {
    if (!Files.isReadable(STATUS)) {
      return 0;
    }
    PretrainingObjective batches =
        PretrainingObjective.of(config.objective(), tokens, config.shape(), config.batchSize(), config.seed());
    try (Trainer trainer = new Trainer(config.shape(), config, devices)) {
      trainer.initialise();
      boolean reset = resetPeak();
      for (int step = 0; step < steps; step++) {
        trainer.trainStep(step, batches.batch(step));
      }
      return reset ? statusKilobytes("VmHWM:") * 1024 : 0;
    }
  }

  /** Resets the process's resident high-water mark to its current resident size; false if the OS refused. */
  static boolean resetPeak() {
    try {
      Files.writeString(CLEAR_REFS, "5", StandardCharsets.US_ASCII);
      return true;
    } catch (IOException | SecurityException e) {
      return false;
    }
  }

  static long statusKilobytes(String field) {
    try {
      for (String line : Files.readAllLines(STATUS, StandardCharsets.US_ASCII)) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.substring(field.length()).replace("kB", "").trim());
        }
      }
      return 0;
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }
}
