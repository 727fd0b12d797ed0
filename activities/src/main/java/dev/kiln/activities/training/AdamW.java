package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), with global-norm gradient clipping, bound
 * to a set of named parameters. Its state (first and second moments, step count) is keyed by parameter
 * name so it can be saved and restored exactly, which DJL's own Adam cannot do.
 *
 * <p>Weight decay applies to matrices only (every parameter with two or more dimensions, as in nanoGPT):
 * the Linear weights and both embeddings, the token embedding being also the output projection. Biases
 * and LayerNorm gains and biases are not decayed: pulling a gain towards 0 shrinks a whole feature.
 *
 * <p>The update runs outside the autograd graph, so plain NDArray ops with Number operands are safe
 * here (the FINDINGS pitfall is about scalars that autograd keeps for backward).
 */
public final class AdamW implements AutoCloseable {

  /** nanoGPT's values for GPT-2 pretraining; beta2 0.95 (not 0.999) keeps large-batch training stable. */
  public static final double BETA1 = 0.9;
  public static final double BETA2 = 0.95;
  public static final double EPSILON = 1e-8;

  private static final String FIRST_MOMENT = ".exp_avg";
  private static final String SECOND_MOMENT = ".exp_avg_sq";
  private static final String STEP = ".step";

  private final SortedMap<String, NDArray> parameters;
  private final double weightDecay;
  private final double gradClip;
  private final NDManager manager;
  private final Map<String, NDArray> firstMoments = new HashMap<>();
  private final Map<String, NDArray> secondMoments = new HashMap<>();
  private final Map<String, Long> steps = new HashMap<>();

  /** @param gradClip maximum global L2 norm of the gradients; 0 or less disables clipping */
  public AdamW(SortedMap<String, NDArray> parameters, double weightDecay, double gradClip) {
    if (parameters.isEmpty()) {
      throw new IllegalArgumentException("No parameters to optimise");
    }
    this.parameters = parameters;
    this.weightDecay = weightDecay;
    this.gradClip = gradClip;
    this.manager = NDManager.newBaseManager(parameters.values().iterator().next().getDevice());
    reset();
  }

  public static boolean decays(NDArray parameter) {
    return parameter.getShape().dimension() >= 2;
  }

  /** Forgets all moments and steps, as for a new run. */
  public void reset() {
    for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
      String name = entry.getKey();
      NDArray parameter = entry.getValue();
      replace(firstMoments, name, namedZeros(name + FIRST_MOMENT, parameter));
      replace(secondMoments, name, namedZeros(name + SECOND_MOMENT, parameter));
      steps.put(name, 0L);
    }
  }

  /**
   * Applies one update from the gradients accumulated by backward, then clears them (PyTorch
   * accumulates gradients across backward passes).
   *
   * @return the global gradient norm before clipping
   */
  public double update(double learningRate) {
    try (NDManager scratch = manager.newSubManager()) {
      Map<String, NDArray> gradients = new HashMap<>();
      for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
        NDArray gradient = entry.getValue().getGradient();
        gradient.attach(scratch);
        gradients.put(entry.getKey(), gradient);
      }
      double norm = globalNorm(gradients.values());
      if (!Double.isFinite(norm)) {
        parameters.values().forEach(AdamW::zeroGradient); // zero_ writes, so NaN does not survive into later steps
        throw new IllegalStateException("Gradient norm is " + norm + "; parameters were not updated");
      }
      double clipScale = gradClip > 0 && norm > gradClip ? gradClip / (norm + 1e-6) : 1.0;
      for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
        String name = entry.getKey();
        NDArray parameter = entry.getValue();
        NDArray gradient = gradients.get(name);
        NDArray m = firstMoments.get(name);
        NDArray v = secondMoments.get(name);
        // The clip scale folds into the moments' coefficients instead of a pass over a scaled copy of the gradient.
        m.muli(BETA1).addi(gradient.mul((1 - BETA1) * clipScale));
        v.muli(BETA2).addi(gradient.mul(gradient).muli((1 - BETA2) * clipScale * clipScale));
        long t = steps.merge(name, 1L, Long::sum);
        double firstCorrection = 1 - Math.pow(BETA1, t);
        double secondCorrection = 1 - Math.pow(BETA2, t);
        if (weightDecay > 0 && decays(parameter)) {
          parameter.muli(1 - learningRate * weightDecay);
        }
        // An op's result lives in its first operand's manager: move results of m and v to the scratch
        // manager, or they would pile up in the optimizer's for the whole run.
        NDArray denominator = v.sqrt();
        denominator.attach(scratch);
        denominator.divi(Math.sqrt(secondCorrection)).addi(EPSILON);
        NDArray adamStep = m.div(denominator);
        adamStep.attach(scratch);
        parameter.subi(adamStep.muli(learningRate / firstCorrection));
        zeroGradient(parameter);
      }
      return norm;
    }
  }

  /** Steps applied to the named parameter (all parameters advance together). */
  public long step(String parameterName) {
    return steps.get(parameterName);
  }

  /** Moments and step of every parameter as safetensors: {@code <name>.exp_avg}, {@code .exp_avg_sq}, {@code .step}. */
  public byte[] state() {
    try (NDManager scratch = manager.newSubManager()) {
      return stateCopies(scratch).encode(NDList.Encoding.SAFETENSORS);
    }
  }

  /** Copies of the moments and steps in {@code into}, which encode as {@link #state()}. */
  NDList stateCopies(NDManager into) {
    NDList arrays = new NDList();
    for (String name : parameters.keySet()) {
      arrays.add(NamedParameters.copy(firstMoments.get(name), name + FIRST_MOMENT, into));
      arrays.add(NamedParameters.copy(secondMoments.get(name), name + SECOND_MOMENT, into));
      NDArray step = into.create(new long[] {steps.get(name)});
      step.setName(name + STEP);
      arrays.add(step);
    }
    return arrays;
  }

  /** Restores a {@link #state()}; every parameter must have its three tensors, with matching shapes. */
  public void loadState(byte[] safetensors) {
    try (NDManager scratch = manager.newSubManager()) {
      Map<String, NDArray> byName = new TreeMap<>();
      for (NDArray array : NDList.decode(scratch, safetensors)) {
        byName.put(array.getName(), array);
      }
      Map<String, NDArray> first = new HashMap<>();
      Map<String, NDArray> second = new HashMap<>();
      Map<String, Long> loadedSteps = new HashMap<>();
      for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
        String name = entry.getKey();
        first.put(name, copyOf(byName.remove(name + FIRST_MOMENT), name + FIRST_MOMENT, entry.getValue()));
        second.put(name, copyOf(byName.remove(name + SECOND_MOMENT), name + SECOND_MOMENT, entry.getValue()));
        NDArray step = byName.remove(name + STEP);
        if (step == null) {
          throw new IllegalArgumentException("Optimizer state lacks tensor '" + name + STEP + "'");
        }
        loadedSteps.put(name, step.toType(DataType.INT64, false).toLongArray()[0]);
      }
      if (!byName.isEmpty()) {
        throw new IllegalArgumentException("Optimizer state has tensors for unknown parameters: " + byName.keySet());
      }
      first.forEach((name, array) -> replace(firstMoments, name, array));
      second.forEach((name, array) -> replace(secondMoments, name, array));
      steps.putAll(loadedSteps);
    }
  }

  @Override
  public void close() {
    manager.close();
  }

  /**
   * Zeroes a parameter's gradient in place (libtorch's {@code grad.zero_()}: one write, where subtracting the
   * gradient from itself reads it twice, and NaN - NaN stays NaN). The next backward accumulates into it.
   */
  static void zeroGradient(NDArray parameter) {
    JniUtils.zeroGrad((PtNDArray) parameter);
  }

  private static double globalNorm(Iterable<NDArray> gradients) {
    List<NDArray> norms = new ArrayList<>();
    for (NDArray gradient : gradients) {
      norms.add(gradient.norm()); // one pass per tensor, no squared copy
    }
    // One device-to-host read for all parameters instead of one per tensor.
    return NDArrays.stack(new NDList(norms)).norm().getFloat();
  }

  private NDArray namedZeros(String name, NDArray like) {
    NDArray zeros = manager.zeros(like.getShape(), like.getDataType());
    zeros.setName(name);
    return zeros;
  }

  private NDArray copyOf(NDArray source, String name, NDArray parameter) {
    if (source == null) {
      throw new IllegalArgumentException("Optimizer state lacks tensor '" + name + "'");
    }
    if (!source.getShape().equals(parameter.getShape()) || source.getDataType() != parameter.getDataType()) {
      throw new IllegalArgumentException(
          "Optimizer tensor '" + name + "' is " + source.getDataType() + source.getShape()
              + " but its parameter is " + parameter.getDataType() + parameter.getShape());
    }
    NDArray copy = namedZeros(name, parameter);
    copy.set(source.toByteBuffer());
    return copy;
  }

  private static void replace(Map<String, NDArray> arrays, String name, NDArray array) {
    NDArray previous = arrays.put(name, array);
    if (previous != null) {
      previous.close();
    }
  }
}
