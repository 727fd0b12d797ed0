package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Arrays;
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
 * <p>The moments of all parameters live in two flat tensors, and each update works on one flat copy of the
 * gradients: a handful of kernels over all parameters at once instead of a dozen per parameter (with ~50-140
 * parameter tensors of a small model, per-op overhead was half the optimizer's time). Only the weight decay, the
 * subtraction of each parameter's slice of the update and the zeroing of its gradient run per parameter. The
 * arithmetic per element is the same as a per-tensor AdamW, and the state is saved per parameter name.
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
  private final List<String> names;
  /** The parameters in {@link #names} order, the order of their slices in the flat tensors. */
  private final List<NDArray> ordered;
  /** Where each parameter's slice of the flat tensors ends, but the last: the split points of the flat tensors. */
  private final long[] splitPoints;
  private final long totalSize;
  private final double weightDecay;
  private final double gradClip;
  private final NDManager manager;
  private NDArray firstMoments; // flat, all parameters in name order
  private NDArray secondMoments;
  private long steps;

  /** @param gradClip maximum global L2 norm of the gradients; 0 or less disables clipping */
  public AdamW(SortedMap<String, NDArray> parameters, double weightDecay, double gradClip) {
    if (parameters.isEmpty()) {
      throw new IllegalArgumentException("No parameters to optimise");
    }
    this.parameters = parameters;
    this.names = List.copyOf(parameters.keySet());
    this.ordered = List.copyOf(parameters.values());
    long[] ends = new long[ordered.size()];
    long at = 0;
    for (int i = 0; i < ends.length; i++) {
      at += ordered.get(i).size();
      ends[i] = at;
    }
    this.splitPoints = Arrays.copyOf(ends, ends.length - 1);
    this.totalSize = at;
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
    DataType type = ordered.get(0).getDataType();
    replaceMoments(manager.zeros(new Shape(totalSize), type), manager.zeros(new Shape(totalSize), type));
    steps = 0;
  }

  /**
   * Applies one update from the gradients accumulated by backward, then clears them (PyTorch
   * accumulates gradients across backward passes).
   *
   * @return the global gradient norm before clipping
   */
  public double update(double learningRate) {
    try (NDManager scratch = manager.newSubManager()) {
      NDList flatGradients = new NDList(ordered.size());
      for (NDArray parameter : ordered) {
        NDArray gradient = parameter.getGradient();
        gradient.attach(scratch);
        flatGradients.add(gradient.reshape(-1));
      }
      NDArray gradient = NDArrays.concat(flatGradients);
      gradient.attach(scratch);
      double norm = gradient.norm().getFloat();
      if (!Double.isFinite(norm)) {
        parameters.values().forEach(AdamW::zeroGradient); // zero_ writes, so NaN does not survive into later steps
        throw new IllegalStateException("Gradient norm is " + norm + "; parameters were not updated");
      }
      double clipScale = gradClip > 0 && norm > gradClip ? gradClip / (norm + 1e-6) : 1.0;
      steps++;
      double firstCorrection = 1 - Math.pow(BETA1, steps);
      double secondCorrection = 1 - Math.pow(BETA2, steps);
      // The clip scale folds into the moments' coefficients instead of a pass over a scaled copy of the gradient.
      firstMoments.muli(BETA1).addi(gradient.mul((1 - BETA1) * clipScale));
      secondMoments.muli(BETA2).addi(gradient.mul(gradient).muli((1 - BETA2) * clipScale * clipScale));
      // lr / c1 * m / (sqrt(v) / sqrt(c2) + eps), with numerator and denominator multiplied by sqrt(c2): one pass
      // fewer over the denominator. An op's result lives in its first operand's manager: results computed from the
      // moments move to the scratch manager, or they would pile up in the optimizer's for the whole run.
      NDArray denominator = secondMoments.sqrt();
      denominator.attach(scratch);
      denominator.addi(EPSILON * Math.sqrt(secondCorrection));
      NDArray adamStep = firstMoments.div(denominator);
      adamStep.attach(scratch);
      adamStep.muli(learningRate * Math.sqrt(secondCorrection) / firstCorrection);
      NDList perParameter = slices(adamStep);
      for (int i = 0; i < ordered.size(); i++) {
        NDArray parameter = ordered.get(i);
        if (weightDecay > 0 && decays(parameter)) {
          parameter.muli(1 - learningRate * weightDecay);
        }
        NDArray slice = perParameter.get(i).reshape(parameter.getShape());
        slice.attach(scratch);
        parameter.subi(slice);
        zeroGradient(parameter);
      }
      return norm;
    }
  }

  /**
   * Zeroes a parameter's gradient in place (libtorch's {@code grad.zero_()}: one write, where subtracting the
   * gradient from itself reads it twice, and NaN - NaN stays NaN). The next backward accumulates into it.
   */
  static void zeroGradient(NDArray parameter) {
    JniUtils.zeroGrad((PtNDArray) parameter);
  }

  /** Steps applied to the named parameter (all parameters advance together). */
  public long step(String parameterName) {
    if (!parameters.containsKey(parameterName)) {
      throw new IllegalArgumentException("No parameter '" + parameterName + "'");
    }
    return steps;
  }

  /** Moments and step of every parameter as safetensors: {@code <name>.exp_avg}, {@code .exp_avg_sq}, {@code .step}. */
  public byte[] state() {
    try (NDManager scratch = manager.newSubManager()) {
      return stateCopies(scratch).encode(NDList.Encoding.SAFETENSORS);
    }
  }

  /** Copies of the moments and steps in {@code into}, which encode as {@link #state()}. */
  NDList stateCopies(NDManager into) {
    try (NDManager views = manager.newSubManager()) {
      NDList first = slices(firstMoments);
      NDList second = slices(secondMoments);
      first.attach(views);
      second.attach(views);
      NDList arrays = new NDList();
      for (int i = 0; i < names.size(); i++) {
        String name = names.get(i);
        Shape shape = ordered.get(i).getShape();
        arrays.add(NamedParameters.copy(first.get(i).reshape(shape), name + FIRST_MOMENT, into));
        arrays.add(NamedParameters.copy(second.get(i).reshape(shape), name + SECOND_MOMENT, into));
        NDArray step = into.create(new long[] {steps});
        step.setName(name + STEP);
        arrays.add(step);
      }
      return arrays;
    }
  }

  /** Restores a {@link #state()}; every parameter must have its three tensors, with matching shapes and one step count. */
  public void loadState(byte[] safetensors) {
    try (NDManager scratch = manager.newSubManager()) {
      Map<String, NDArray> byName = new TreeMap<>();
      for (NDArray array : NDList.decode(scratch, safetensors)) {
        byName.put(array.getName(), array);
      }
      NDList first = new NDList();
      NDList second = new NDList();
      Long loadedSteps = null;
      for (String name : names) {
        NDArray parameter = parameters.get(name);
        first.add(checked(byName.remove(name + FIRST_MOMENT), name + FIRST_MOMENT, parameter).reshape(-1));
        second.add(checked(byName.remove(name + SECOND_MOMENT), name + SECOND_MOMENT, parameter).reshape(-1));
        NDArray step = byName.remove(name + STEP);
        if (step == null) {
          throw new IllegalArgumentException("Optimizer state lacks tensor '" + name + STEP + "'");
        }
        long taken = step.toType(DataType.INT64, false).toLongArray()[0];
        if (loadedSteps != null && taken != loadedSteps) {
          throw new IllegalArgumentException("Optimizer state has taken " + loadedSteps + " steps for some parameters but "
              + taken + " for '" + name + "': all parameters advance together");
        }
        loadedSteps = taken;
      }
      if (!byName.isEmpty()) {
        throw new IllegalArgumentException("Optimizer state has tensors for unknown parameters: " + byName.keySet());
      }
      replaceMoments(onDevice(NDArrays.concat(first)), onDevice(NDArrays.concat(second)));
      steps = loadedSteps;
    }
  }

  @Override
  public void close() {
    manager.close();
  }

  /** One view per parameter of a flat tensor, in {@link #names} order (still flat: reshape to the parameter). */
  private NDList slices(NDArray flat) {
    return flat.split(splitPoints);
  }

  /** A copy of {@code array} in the optimizer's manager, on its parameters' device. */
  private NDArray onDevice(NDArray array) {
    return NamedParameters.copy(array, "moments", manager);
  }

  private static NDArray checked(NDArray source, String name, NDArray parameter) {
    if (source == null) {
      throw new IllegalArgumentException("Optimizer state lacks tensor '" + name + "'");
    }
    if (!source.getShape().equals(parameter.getShape()) || source.getDataType() != parameter.getDataType()) {
      throw new IllegalArgumentException(
          "Optimizer tensor '" + name + "' is " + source.getDataType() + source.getShape()
              + " but its parameter is " + parameter.getDataType() + parameter.getShape());
    }
    return source;
  }

  private void replaceMoments(NDArray first, NDArray second) {
    if (firstMoments != null) {
      firstMoments.close();
      secondMoments.close();
    }
    firstMoments = first;
    secondMoments = second;
  }
}
