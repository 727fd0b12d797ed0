package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), with global-norm gradient clipping, over a model's
 * {@link NamedParameters}. Its state (first and second moments, step count) is saved and restored per parameter name,
 * exactly, which DJL's own Adam cannot do.
 *
 * <p>Weight decay applies to matrices only (every parameter with two or more dimensions, as in nanoGPT):
 * the Linear weights and both embeddings, the token embedding being also the output projection. Biases
 * and LayerNorm gains and biases are not decayed: pulling a gain towards 0 shrinks a whole feature.
 *
 * <p>Parameters, gradient and moments are flat tensors of one layout (the parameters' buffer, matrices first), so an
 * update is a handful of whole-buffer kernels, with no call per parameter: decay is one multiplication of the matrices'
 * prefix. The arithmetic per element is that of a per-tensor AdamW; the zeros between slices stay zero.
 *
 * <p>The update runs outside the autograd graph, so plain NDArray ops with Number operands are safe
 * here. In the graph they are not: DJL's {@code mul(Number)} wraps the number in a temporary tensor and closes it as
 * soon as the forward op returns, while autograd keeps that tensor for backward.
 */
public final class AdamW implements AutoCloseable {

  /** nanoGPT's values for GPT-2 pretraining; beta2 0.95 (not 0.999) keeps large-batch training stable. */
  public static final double BETA1 = 0.9;
  public static final double BETA2 = 0.95;
  public static final double EPSILON = 1e-8;

  private static final String FIRST_MOMENT = ".exp_avg";
  private static final String SECOND_MOMENT = ".exp_avg_sq";
  private static final String STEP = ".step";

  private final NamedParameters parameters;
  private final double weightDecay;
  private final double gradClip;
  private final NDManager manager;
  private NDArray firstMoments; // laid out as the parameters' buffer
  private NDArray secondMoments;
  private long steps;

  /**
   * An optimizer for {@code model}'s parameters; each {@link #update} takes the gradient of a step bound with
   * {@link TransformerModel#bindForTraining}.
   *
   * @param gradClip maximum global L2 norm of the gradients; 0 or less disables clipping
   */
  public AdamW(TransformerModel model, double weightDecay, double gradClip) {
    this(model.parameters, weightDecay, gradClip);
  }

  AdamW(NamedParameters parameters, double weightDecay, double gradClip) {
    this.parameters = parameters;
    this.weightDecay = weightDecay;
    this.gradClip = gradClip;
    this.manager = NDManager.newBaseManager(parameters.flat().getDevice());
    reset();
  }

  /** Forgets all moments and steps, as for a new run. */
  public void reset() {
    NDArray flat = parameters.flat();
    replaceMoments(manager.zeros(flat.getShape(), flat.getDataType()), manager.zeros(flat.getShape(), flat.getDataType()));
    steps = 0;
  }

  /**
   * Applies one update from a step's gradient (laid out as the parameters' buffer: {@link NamedParameters#gradient()}).
   *
   * @return the global gradient norm before clipping
   * @throws IllegalStateException if the gradient is not finite; the parameters are then left as they were
   */
  public double update(double learningRate, NDArray gradient) {
    NDArray flat = parameters.flat();
    if (!gradient.getShape().equals(flat.getShape())) {
      throw new IllegalArgumentException("Gradient of shape " + gradient.getShape() + " for parameters laid out as " + flat.getShape());
    }
    try (NDManager scratch = manager.newSubManager()) {
      double norm = gradient.norm().getFloat();
      if (!Double.isFinite(norm)) {
        throw new IllegalStateException("Gradient norm is " + norm + "; parameters were not updated");
      }
      double clipScale = gradClip > 0 && norm > gradClip ? gradClip / (norm + 1e-6) : 1.0;
      steps++;
      double firstCorrection = 1 - Math.pow(BETA1, steps);
      double secondCorrection = 1 - Math.pow(BETA2, steps);
      // The clip scale folds into the moments' coefficients instead of a pass over a scaled copy of the gradient.
      // An op's result lives in its first operand's manager: results computed from the gradient or the moments move
      // to the scratch manager, or they would pile up in the step's or the optimizer's.
      NDArray scaled = gradient.mul((1 - BETA1) * clipScale);
      scaled.attach(scratch);
      firstMoments.muli(BETA1).addi(scaled);
      NDArray squared = gradient.mul(gradient);
      squared.attach(scratch);
      secondMoments.muli(BETA2).addi(squared.muli((1 - BETA2) * clipScale * clipScale));
      // lr / c1 * m / (sqrt(v) / sqrt(c2) + eps), with numerator and denominator multiplied by sqrt(c2): one pass
      // fewer over the denominator.
      NDArray denominator = secondMoments.sqrt();
      denominator.attach(scratch);
      denominator.addi(EPSILON * Math.sqrt(secondCorrection));
      NDArray adamStep = firstMoments.div(denominator);
      adamStep.attach(scratch);
      adamStep.muli(learningRate * Math.sqrt(secondCorrection) / firstCorrection);
      long decayed = parameters.decayedSize();
      if (weightDecay > 0 && decayed > 0) {
        NDArray matrices = flat.get(new NDIndex(":" + decayed));
        matrices.attach(scratch);
        matrices.muli(1 - learningRate * weightDecay);
      }
      flat.subi(adamStep);
      return norm;
    }
  }

  /** Steps applied to the named parameter (all parameters advance together). */
  public long step(String parameterName) {
    if (!parameters.all().containsKey(parameterName)) {
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
      NDList arrays = new NDList();
      for (NamedParameters.Slot slot : byName()) {
        String name = slot.name();
        arrays.add(NamedParameters.copy(slice(firstMoments, slot, views), name + FIRST_MOMENT, into));
        arrays.add(NamedParameters.copy(slice(secondMoments, slot, views), name + SECOND_MOMENT, into));
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
      NDArray flat = parameters.flat();
      NDArray first = scratch.zeros(flat.getShape(), flat.getDataType());
      NDArray second = scratch.zeros(flat.getShape(), flat.getDataType());
      Long loadedSteps = null;
      for (NamedParameters.Slot slot : byName()) {
        String name = slot.name();
        NamedParameters.copyInto(slice(first, slot, scratch), checked(byName.remove(name + FIRST_MOMENT), name + FIRST_MOMENT, slot));
        NamedParameters.copyInto(slice(second, slot, scratch), checked(byName.remove(name + SECOND_MOMENT), name + SECOND_MOMENT, slot));
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
      first.attach(manager);
      second.attach(manager);
      replaceMoments(first, second);
      steps = loadedSteps;
    }
  }

  @Override
  public void close() {
    manager.close();
  }

  /** The parameters' slots in name order (the order of the saved state). */
  private List<NamedParameters.Slot> byName() {
    List<NamedParameters.Slot> slots = new ArrayList<>(parameters.slots());
    slots.sort(Comparator.comparing(NamedParameters.Slot::name));
    return slots;
  }

  /** A parameter's slice of a flat tensor laid out as the parameters' buffer, shaped as the parameter, in {@code in}. */
  private static NDArray slice(NDArray flat, NamedParameters.Slot slot, NDManager in) {
    NDArray slice = flat.get(new NDIndex(slot.offset() + ":" + (slot.offset() + slot.size()))).reshape(slot.shape());
    slice.attach(in);
    return slice;
  }

  private static NDArray checked(NDArray source, String name, NamedParameters.Slot slot) {
    if (source == null) {
      throw new IllegalArgumentException("Optimizer state lacks tensor '" + name + "'");
    }
    if (!source.getShape().equals(slot.shape()) || source.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException(
          "Optimizer tensor '" + name + "' is " + source.getDataType() + source.getShape()
              + " but its parameter is " + DataType.FLOAT32 + slot.shape());
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
