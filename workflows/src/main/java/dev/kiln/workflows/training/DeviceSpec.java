package dev.kiln.workflows.training;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The syntax of {@code training.device}: {@code cpu}; {@code gpu} (GPU 0); {@code gpu:N}; {@code gpu:all} (every
 * GPU the worker sees, data parallel); {@code gpu:N,M,...} (those GPUs, data parallel). Checked by the
 * validator before a run starts; whether the worker has those GPUs is checked where training runs.
 */
public final class DeviceSpec {

  /** What {@link #gpuIndices} returns for {@code gpu:all}; the worker decides how many that is. */
  public static final List<Integer> ALL_GPUS = List.of(-1);

  public static final String HELP = "use cpu, gpu, gpu:N, gpu:all or a list such as gpu:0,1";

  private DeviceSpec() {}

  /**
   * The GPU indices a spec names: empty for {@code cpu}, {@link #ALL_GPUS} for {@code gpu:all}.
   *
   * @throws IllegalArgumentException naming the problem and {@link #HELP}
   */
  public static List<Integer> gpuIndices(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException("training.device is missing; " + HELP);
    }
    if (spec.equals("cpu")) {
      return List.of();
    }
    if (spec.equals("gpu")) {
      return List.of(0);
    }
    if (!spec.startsWith("gpu:")) {
      throw new IllegalArgumentException("training.device '" + spec + "' is not a known device; " + HELP);
    }
    String rest = spec.substring("gpu:".length());
    if (rest.equals("all")) {
      return ALL_GPUS;
    }
    List<Integer> indices = new ArrayList<>();
    TreeSet<Integer> seen = new TreeSet<>();
    for (String part : rest.split(",", -1)) {
      if (!part.matches("\\d{1,3}")) {
        throw new IllegalArgumentException("training.device '" + spec + "': '" + part + "' is not a GPU number; " + HELP);
      }
      int index = Integer.parseInt(part);
      if (!seen.add(index)) {
        throw new IllegalArgumentException("training.device '" + spec + "' names GPU " + index + " twice; " + HELP);
      }
      indices.add(index);
    }
    return List.copyOf(indices);
  }

  /** How many replicas train data-parallel, or -1 for {@code gpu:all} (known only on the worker). */
  public static int replicas(String spec) {
    List<Integer> indices = gpuIndices(spec);
    return indices.equals(ALL_GPUS) ? -1 : Math.max(1, indices.size());
  }
}
