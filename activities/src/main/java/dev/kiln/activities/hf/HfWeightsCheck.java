package dev.kiln.activities.hf;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a checkpoint against the parameters its config implies, before any maths runs: each parameter is there
 * (or is a tied one left out) with exactly the expected shape and a float dtype. A wrong config otherwise shows up
 * much later as a broadcasting error or, worse, as a model that loads and produces nonsense.
 */
public final class HfWeightsCheck {
  private static final Set<SafetensorsDtype> FLOATS =
      EnumSet.of(SafetensorsDtype.F32, SafetensorsDtype.F16, SafetensorsDtype.BF16);
  private static final int PROBLEMS_SHOWN = 5;

  private HfWeightsCheck() {}

  /**
   * @param where names the model directory in the error
   * @throws HfWeightsMismatchException naming the first mismatched tensor, with its expected and actual shape
   */
  public static WeightsMatch check(
      HfParameterLayout layout, SafetensorsCheckpoint checkpoint, HfModelConfig config, String where) {
    Map<String, String> stored = new LinkedHashMap<>();
    Map<String, String> tied = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    String firstTensor = null;
    for (ExpectedTensor expected : layout.tensors()) {
      String name = storedName(expected.name(), layout.basePrefix(), checkpoint);
      String problem = null;
      if (name == null) {
        if (expected.required()) {
          problem =
              "tensor "
                  + expected.name()
                  + " is missing (expected shape "
                  + expected.shape()
                  + " = "
                  + expected.formula()
                  + ")";
        } else {
          tied.put(expected.name(), expected.tiedTo());
        }
      } else {
        SafetensorsTensor actual = checkpoint.tensor(name);
        if (!actual.shape().equals(expected.shape())) {
          problem =
              "tensor "
                  + expected.name()
                  + (name.equals(expected.name()) ? "" : " (stored as " + name + ")")
                  + " has shape "
                  + actual.shape()
                  + " in "
                  + fileName(checkpoint.fileOf(name))
                  + " but config.json implies "
                  + expected.shape()
                  + " = "
                  + expected.formula();
        } else if (!FLOATS.contains(actual.dtype())) {
          problem = "tensor " + expected.name() + " is " + actual.dtype() + "; weights must be F32, F16 or BF16";
        } else {
          stored.put(expected.name(), name);
        }
      }
      if (problem != null) {
        problems.add(problem);
        if (firstTensor == null) {
          firstTensor = expected.name();
        }
      }
    }
    if (!problems.isEmpty()) {
      throw mismatch(firstTensor, problems, layout, config, where);
    }
    Set<String> unused = new TreeSet<>(checkpoint.names());
    unused.removeAll(stored.values());
    return new WeightsMatch(stored, tied, new ArrayList<>(unused));
  }

  /**
   * The name the checkpoint holds {@code name} under. Besides the name itself, the spellings transformers also
   * loads: LayerNorm.gamma/beta (checkpoints converted from TensorFlow) and the name without the base-model prefix
   * (a checkpoint saved from the base model, e.g. GPT2Model, whose names start at {@code h.0.}).
   */
  static String storedName(String name, String prefix, SafetensorsCheckpoint checkpoint) {
    List<String> spellings = new ArrayList<>();
    spellings.add(name);
    if (name.endsWith("LayerNorm.weight")) {
      spellings.add(name.substring(0, name.length() - "weight".length()) + "gamma");
    } else if (name.endsWith("LayerNorm.bias")) {
      spellings.add(name.substring(0, name.length() - "bias".length()) + "beta");
    }
    if (!prefix.isEmpty() && name.startsWith(prefix + ".")) {
      for (String spelling : List.copyOf(spellings)) {
        spellings.add(spelling.substring(prefix.length() + 1));
      }
    }
    for (String spelling : spellings) {
      if (checkpoint.contains(spelling)) {
        return spelling;
      }
    }
    return null;
  }

  private static HfWeightsMismatchException mismatch(
      String firstTensor, List<String> problems, HfParameterLayout layout, HfModelConfig config, String where) {
    StringBuilder message = new StringBuilder(where)
        .append(": the weights do not match config.json (model_type ")
        .append(config.modelType())
        .append(", ")
        .append(layout.tensors().size())
        .append(" parameters expected):");
    problems.stream().limit(PROBLEMS_SHOWN).forEach(p -> message.append("\n  - ").append(p));
    if (problems.size() > PROBLEMS_SHOWN) {
      message.append("\n  (and ").append(problems.size() - PROBLEMS_SHOWN).append(" more)");
    }
    message.append(
        "\n  fix: config.json and the weights must come from the same model; restore the config.json that was saved"
            + " with these weights");
    return new HfWeightsMismatchException(firstTensor, message.toString());
  }

  private static String fileName(SafetensorsFile file) {
    String source = file.source();
    return source.substring(source.lastIndexOf('/') + 1);
  }
}
