package dev.kiln.activities.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.LearningRateOverride;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The training loop of one run, for all three objectives: the model the config asks for (see {@link
 * TransformerModel#create(TrainingConfig, ModelShape, Device)}), the optimizer and the learning-rate schedule. Every
 * source of randomness (initialisation, data order, masking and span choice, dropout) is a pure function of the run
 * seed and the global step, so a run restored from {@link #modelState()}, {@link #optimizerState()} and its step
 * continues
 * bitwise identically to an uninterrupted one (on the same device type and thread count). Trainers in one JVM
 * take turns step by step on the engine, whose gradient collector and random seed are global ({@link
 * TrainingEngine}), so each trains bitwise as it would alone.
 *
 * <p>Use: construct, then {@link #initialise()}, {@link #loadWeights} or {@link #restore}, then call
 * {@link #trainStep} with consecutive steps.
 */
public final class Trainer implements AutoCloseable {

  private final TrainingConfig config;
  private final TransformerModel model;
  private final AdamW optimizer;
  private final LearningRateSchedule schedule;
  private List<LearningRateOverride> learningRates = List.of();
  private final DataParallelReplicas parallel; // null on one device
  private int nextStep = -1;
  private double lastGradientNorm = Double.NaN;
  private Runnable whileWaitingForEngine = () -> {};

  /** Rejects a loss before its step's update (the loss-spike policy); null accepts it. */
  @FunctionalInterface
  public interface LossGuard {
    LossGuard ACCEPT_FINITE = loss -> null;

    String reject(double loss);
  }

  /** A step whose loss or gradients were rejected; the parameters are as they were before it. */
  public static final class RejectedLossException extends IllegalStateException {
    private final int step;
    private final double loss;
    private final String reason;

    RejectedLossException(int step, double loss, String reason) {
      super("Rejected at step " + step + ": " + reason + "; parameters were not updated");
      this.step = step;
      this.loss = loss;
      this.reason = reason;
    }

    public int step() {
      return step;
    }

    public double loss() {
      return loss;
    }

    public String reason() {
      return reason;
    }
  }

  /**
   * @param shape the model to build; it may differ from {@code config.shape()} when curation fixed the
   *     vocabulary after the config was written
   */
  public Trainer(ModelShape shape, TrainingConfig config, Device device) {
    this(shape, config, List.of(device));
  }

  /**
   * @param devices where to train: one device, or several for data parallelism (see {@link
   *     DataParallelReplicas}); the first holds the master copy the optimizer updates and checkpoints save
   * @throws IllegalArgumentException also if the batch size is smaller than the number of devices
   */
  public Trainer(ModelShape shape, TrainingConfig config, List<Device> devices) {
    if (devices.isEmpty()) {
      throw new IllegalArgumentException("No device to train on");
    }
    if (config.batchSize() < devices.size()) {
      throw new IllegalArgumentException("training.batchSize " + config.batchSize() + " is smaller than the "
          + devices.size() + " devices of training.device '" + config.device() + "'; each device needs at least one row."
          + " Fix: use batchSize >= " + devices.size() + " or fewer devices");
    }
    this.config = config;
    this.model = TransformerModel.create(config, shape, devices.get(0));
    List<TransformerModel> replicas = new ArrayList<>();
    for (Device device : devices.subList(1, devices.size())) {
      replicas.add(TransformerModel.create(config, shape, device));
    }
    this.parallel = replicas.isEmpty() ? null : new DataParallelReplicas(model, replicas);
    this.optimizer = new AdamW(model, config.weightDecay(), config.gradClip());
    this.schedule = LearningRateSchedule.of(config);
  }

  /** Starts a run from scratch: GPT-2 initialisation from the config's seed, at step 0. */
  public void initialise() {
    model.initialise(config.seed());
    optimizer.reset();
    broadcast();
    nextStep = 0;
  }

  /** Starts a run at step 0 from a pretrained model of the same shape, with a fresh optimizer. */
  public void loadWeights(byte[] safetensors) {
    model.loadWeights(safetensors);
    optimizer.reset();
    broadcast();
    nextStep = 0;
  }

  /** Resumes a run: the next {@link #trainStep} must be {@code step}, the number of steps already taken. */
  public void restore(byte[] modelState, byte[] optimizerState, int step) {
    model.loadWeights(modelState);
    optimizer.loadState(optimizerState);
    for (String name : model.parameters().keySet()) {
      if (optimizer.step(name) != step) {
        throw new IllegalArgumentException(
            "Optimizer state of '" + name + "' has taken " + optimizer.step(name) + " steps, but resuming at step " + step);
      }
    }
    broadcast();
    nextStep = step;
  }

  /**
   * Operators' learning-rate changes (see {@link LearningRateOverride}): from each one's step on, the schedule is
   * scaled so that its rate there is the one asked for.
   */
  public void setLearningRateOverrides(List<LearningRateOverride> overrides) {
    this.learningRates = List.copyOf(overrides);
  }

  /** The learning rate of a step: the schedule's, scaled by the latest override at or before it. */
  public double learningRate(int step) {
    double rate = schedule.at(step);
    LearningRateOverride latest = null;
    for (LearningRateOverride o : learningRates) {
      if (o.fromStep() <= step && (latest == null || o.fromStep() >= latest.fromStep())) {
        latest = o;
      }
    }
    return latest == null ? rate : rate * latest.learningRate() / schedule.at(latest.fromStep());
  }

  /**
   * What a step does while another trainer in this JVM holds the engine ({@link TrainingEngine}): called about
   * every {@link TrainingEngine#WAIT_TICK} until this step gets it, e.g. to heartbeat that it waits.
   */
  public void whileWaitingForEngine(Runnable whileWaiting) {
    this.whileWaitingForEngine = whileWaiting;
  }

  /** {@link #trainStep(int, TrainingBatch, LossGuard)} accepting every finite loss. */
  public double trainStep(int step, TrainingBatch batch) {
    return trainStep(step, batch, LossGuard.ACCEPT_FINITE);
  }

  /**
   * One optimizer step on one batch.
   *
   * @return the batch's mean cross-entropy in nats over its predicted positions, before the update
   * @throws RejectedLossException if the loss is not finite, the guard rejects it, or the gradients are not
   *     finite; the parameters are then left as they were before this step
   */
  public double trainStep(int step, TrainingBatch batch, LossGuard guard) {
    if (nextStep < 0) {
      throw new IllegalStateException("Call initialise(), loadWeights() or restore() before training");
    }
    if (step != nextStep) {
      throw new IllegalArgumentException("Expected step " + nextStep + " but got " + step);
    }
    // The gradient collector and the seed are the JVM's, not this trainer's: one step at a time per process.
    double loss = TrainingEngine.exclusive(whileWaitingForEngine, () -> exclusiveStep(step, batch, guard));
    nextStep = step + 1;
    return loss;
  }

  private double exclusiveStep(int step, TrainingBatch batch, LossGuard guard) {
    GradMode.offOnThisThread();
    Engine engine = Engine.getInstance();
    double loss;
    List<NDManager> stepManagers = new ArrayList<>();
    try {
      stepManagers.add(model.newStepManager());
      if (parallel != null) {
        for (TransformerModel replica : parallel.replicas()) {
          stepManagers.add(replica.newStepManager());
        }
      }
      try (GradientCollector collector = engine.newGradientCollector()) {
        // Seeded under the engine lock: no other step in this JVM can reseed before this step's dropout.
        engine.setRandomSeed(StepSeeds.forDropout(config.seed(), step));
        model.bindForTraining(stepManagers.get(0));
        NDArray lossArray = parallel == null
            ? model.loss(stepManagers.get(0), batch, true)
            : parallel.loss(stepManagers, batch, true);
        loss = lossArray.getFloat();
        String rejected = Double.isFinite(loss) ? guard.reject(loss) : "loss is " + loss;
        if (rejected != null) {
          throw new RejectedLossException(step, loss, rejected);
        }
        collector.backward(lossArray);
      }
      if (parallel != null) {
        parallel.reduceGradients();
      }
      try {
        lastGradientNorm = optimizer.update(learningRate(step), model.parameterGradient());
      } catch (IllegalStateException e) {
        throw new RejectedLossException(step, loss, e.getMessage());
      }
      broadcast();
    } finally {
      model.releaseParameters();
      if (parallel != null) {
        parallel.replicas().forEach(TransformerModel::releaseParameters);
      }
      stepManagers.forEach(NDManager::close);
    }
    return loss;
  }

  /** The global L2 norm of the last step's gradients, before clipping (NaN before the first step). */
  public double lastGradientNorm() {
    return lastGradientNorm;
  }

  /** The next step {@link #trainStep} expects. */
  public int nextStep() {
    return nextStep;
  }

  public TransformerModel model() {
    return model;
  }

  /** Model weights as safetensors (see {@link TransformerModel#weights()}). */
  public byte[] modelState() {
    return model.weights();
  }

  /** Optimizer moments and steps as safetensors (see {@link AdamW#state()}). */
  public byte[] optimizerState() {
    return optimizer.state();
  }

  /**
   * Copies the model and optimizer state to host memory, one tensor copy each (from a GPU, the device-to-host
   * transfer), so that training goes on while another thread encodes and uploads the copy: the part of a
   * checkpoint the training loop waits for. The copy encodes exactly as {@link #modelState()} and
   * {@link #optimizerState()} would have at this step.
   */
  public StateCopy copyState() {
    NDManager into = NDManager.newBaseManager(Device.cpu());
    try {
      return new StateCopy(into, model.weightCopies(into), optimizer.stateCopies(into));
    } catch (RuntimeException e) {
      into.close();
      throw e;
    }
  }

  /**
   * Trains a tiny decoder a few steps on the CPU, copies its state, encodes it and restores from it: loads the
   * classes and compiles the code a resumed segment runs, and initialises libtorch's kernels. A worker that does
   * this before it polls starts a segment taken over from a dead worker in about a second instead of several,
   * which is part of the time to recover.
   */
  public static void warmUp() {
    ModelShape shape = new ModelShape(64, 16, 16, 1, 2);
    TrainingConfig config = new TrainingConfig(
        shape, Objective.CLM, 2, 3, 1e-3, 1e-4, 1, 0.1, 1.0, 0.1, 1, 2, "cpu", "warm-up", null);
    int[] tokens = new java.util.SplittableRandom(1).ints(1024, 0, shape.vocabSize()).toArray();
    PretrainingObjective batches = PretrainingObjective.of(Objective.CLM, tokens, shape, config.batchSize(), config.seed());
    try (Trainer trainer = new Trainer(shape, config, Device.cpu())) {
      trainer.initialise();
      trainer.trainStep(0, batches.batch(0));
      trainer.trainStep(1, batches.batch(1));
      try (StateCopy copy = trainer.copyState()) {
        trainer.restore(copy.model(), copy.optimizer(), 2);
      }
      trainer.trainStep(2, batches.batch(2));
    }
  }

  /** Host copies of a step's model and optimizer state; close it to free them. */
  public static final class StateCopy implements AutoCloseable {
    private final NDManager manager;
    private final NDList model;
    private final NDList optimizer;

    private StateCopy(NDManager manager, NDList model, NDList optimizer) {
      this.manager = manager;
      this.model = model;
      this.optimizer = optimizer;
    }

    /** The model weights as safetensors, as {@link Trainer#modelState()}. */
    public byte[] model() {
      return model.encode(NDList.Encoding.SAFETENSORS);
    }

    /** The optimizer state as safetensors, as {@link Trainer#optimizerState()}. */
    public byte[] optimizer() {
      return optimizer.encode(NDList.Encoding.SAFETENSORS);
    }

    @Override
    public void close() {
      manager.close();
    }
  }

  public long parameterCount() {
    return model.parameterCount();
  }

  public String parameterHash() {
    return model.parameterHash();
  }

  /** How many devices train each step (data parallel when more than one). */
  public int devices() {
    return parallel == null ? 1 : parallel.devices();
  }

  private void broadcast() {
    if (parallel != null) {
      parallel.broadcastWeights();
    }
  }

  @Override
  public void close() {
    if (parallel != null) {
      parallel.close();
    }
    optimizer.close();
    model.close();
  }
}
