package dev.kiln.activities.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.kiln.activities.hf.SafetensorsDtype;
import dev.kiln.activities.hf.SafetensorsFile;
import dev.kiln.activities.hf.SafetensorsTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The parameters of one model, each under a stable name (nanoGPT's state_dict style), so that checkpoints,
 * the optimizer state and the initialisation are all keyed by name and do not depend on creation order.
 *
 * <p>All of them live in one flat buffer, each in its own slice (starting on a 64-byte boundary, as libtorch's own
 * allocations do), the matrices (which weight decay applies to) first. Outside a training step every parameter is a
 * view of that buffer ({@link #all()}). A training step {@link #bindForTraining binds} a fresh leaf that shares the
 * buffer's memory and hands the layers views of it, made by one split: backward then delivers the gradient of every
 * parameter at once, as one flat tensor, into a leaf that had none (so nothing accumulates into or zeroes per-parameter
 * gradients), and the optimizer updates the whole buffer with a few whole-buffer operations. With 50-140 parameter
 * tensors in a small model, the per-parameter calls that this replaces cost more than the arithmetic.
 */
final class NamedParameters implements AutoCloseable {

  /** Floats per 64 bytes: every slice starts on such a boundary (MKL's products take alignment-dependent paths). */
  private static final long ALIGNMENT = 16;

  /** One parameter's place in the flat buffer. */
  record Slot(String name, Shape shape, long offset, long size) {}

  private final String owner;
  private final NDManager manager;
  private final List<String> registered = new ArrayList<>(); // by handle index
  private final List<Shape> shapes = new ArrayList<>();
  private final Map<String, Double> initStd = new HashMap<>();
  /** Set when the first parameter is used: after that the layout is fixed. */
  private NDArray flat;
  private List<Slot> slots; // in buffer order
  private long decayedSize;
  private int[] slotOfHandle;
  private long[] splitPoints;
  private int[] pieceOfSlot;
  private SortedMap<String, NDArray> views;
  private NDArray[] persistent; // by handle index: the views of the buffer itself
  private NDArray[] current; // by handle index: the persistent views, or those of the bound leaf
  private NDArray leaf; // the bound step's, or null

  /** @param owner what these parameters make up, for error messages (e.g. "a GPT of shape ...") */
  NamedParameters(String owner, Device device) {
    this.owner = owner;
    this.manager = NDManager.newBaseManager(device);
  }

  NDManager manager() {
    return manager;
  }

  /** A matrix initialised from N(0, std^2). */
  Parameter weight(String name, Shape shape, double std) {
    initStd.put(name, std);
    return register(name, shape);
  }

  LinearWeights linear(String name, int in, int out, double std) {
    return new LinearWeights(weight(name + ".weight", new Shape(out, in), std), register(name + ".bias", new Shape(out)));
  }

  /** A vector initialised to zero that is no part of a Linear or LayerNorm (e.g. BERT's MLM output bias). */
  Parameter bias(String name, Shape shape) {
    return register(name, shape);
  }

  LayerNormWeights layerNorm(String name, int features) {
    Shape shape = new Shape(features);
    return new LayerNormWeights(register(name + ".weight", shape), register(name + ".bias", shape));
  }

  /** A norm's gain without a bias (RMSNorm's): initialised to ones, as every unscaled {@code weight}. */
  Parameter gain(String name, int features) {
    return register(name, new Shape(features));
  }

  /** Whether weight decay applies: matrices (Linear weights, embeddings), not biases or LayerNorm gains. */
  static boolean decays(Shape shape) {
    return shape.dimension() >= 2;
  }

  /** GPT-2 initialisation, reproducible from the seed alone (independent of engine and device). */
  void initialise(long seed) {
    GradMode.offOnThisThread(); // the copies below write into the buffer
    for (Map.Entry<String, NDArray> entry : all().entrySet()) {
      String name = entry.getKey();
      NDArray parameter = entry.getValue();
      float[] values = new float[Math.toIntExact(parameter.size())];
      Double std = initStd.get(name);
      if (std != null) {
        // One generator per tensor, seeded by its name: adding a layer does not reshuffle the others.
        Random random = new Random(seed ^ (long) name.hashCode() * 0x9E3779B97F4A7C15L);
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) (random.nextGaussian() * std);
        }
      } else if (name.endsWith("weight")) {
        Arrays.fill(values, 1f); // LayerNorm gain; biases stay 0
      }
      try (NDArray source = manager.create(values, parameter.getShape())) {
        copyInto(parameter, source);
      }
    }
  }

  /**
   * Copies weights of the same shapes in. Every tensor must be present with the expected shape; extra
   * tensors are an error too, so a checkpoint of another architecture is never half-loaded.
   */
  void load(byte[] safetensors) {
    GradMode.offOnThisThread();
    SortedMap<String, NDArray> parameters = all();
    try (SafetensorsFile file = SafetensorsFile.of(safetensors, "the weights of " + owner)) {
      for (String name : file.names()) {
        if (!parameters.containsKey(name)) {
          throw new IllegalArgumentException("Weights contain tensor '" + name + "' which " + owner + " does not have");
        }
      }
      long largest = 0;
      for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
        Shape shape = entry.getValue().getShape();
        if (!file.contains(entry.getKey())) {
          throw new IllegalArgumentException("Weights lack tensor '" + entry.getKey() + "' of shape " + shape);
        }
        SafetensorsTensor source = file.tensor(entry.getKey());
        if (source.dtype() != SafetensorsDtype.F32 || !Arrays.equals(source.dims(), shape.getShape())) {
          throw new IllegalArgumentException("Tensor '" + entry.getKey() + "' is " + source.dtype() + source.shapeText()
              + " but " + owner + " needs " + SafetensorsDtype.F32 + shape);
        }
        largest = Math.max(largest, source.byteLength());
      }
      // One direct buffer for every tensor, which libtorch wraps without a copy: each tensor is copied once into it and
      // once into the parameter. DJL's decode copied the whole file into the heap again (500 MB more for GPT-2 small)
      // and allocated and zeroed a direct buffer per tensor (docs/benchmarks.md has the figures).
      ByteBuffer staging = ByteBuffer.allocateDirect(Math.toIntExact(largest)).order(ByteOrder.LITTLE_ENDIAN);
      try (NDManager scratch = manager.newSubManager()) {
        for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
          staging.clear();
          staging.put(file.rawBytes(entry.getKey())).flip();
          try (NDArray source = scratch.create(staging, entry.getValue().getShape(), DataType.FLOAT32)) {
            copyInto(entry.getValue(), source);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("weights in memory cannot fail to read", e);
    }
  }

  /**
   * Copies {@code source}'s values into {@code parameter}'s own storage (for a parameter: into the flat buffer). Not
   * {@code NDArray.set(Buffer)}: on the CPU, DJL's PyTorch engine makes the Java buffer the tensor's storage
   * ({@code set_}), which would cut a view off the buffer, and put the weights in memory the JVM allocated, 16-byte
   * aligned at an offset that differs from process to process: MKL's matrix products take alignment-dependent paths,
   * so the same seed trained to slightly different weights in another process (a resumed run, a repeated benchmark).
   */
  static void copyInto(NDArray parameter, NDArray source) {
    if (source.getDevice().equals(parameter.getDevice())) {
      parameter.set(new NDIndex(":"), source); // the one copy
      return;
    }
    try (NDArray onDevice = source.toDevice(parameter.getDevice(), false)) {
      parameter.set(new NDIndex(":"), onDevice);
    }
  }

  /**
   * Starts a training step: a new leaf sharing the buffer's memory, in {@code step}'s manager, whose views the layers
   * use until {@link #release()}. Call it where autograd records (inside the step's gradient collector), so that
   * backward reaches the leaf; its gradient is then {@link #gradient()}.
   */
  NDArray bindForTraining(NDManager step) {
    layout();
    NDArray bound = flat.stopGradient(); // detach: the same memory, a new tensor without a gradient
    bound.attach(step);
    bound.setRequiresGradient(true);
    current = viewsOf(bound);
    leaf = bound;
    return bound;
  }

  /**
   * The gradient of the whole buffer from the bound step's backward, laid out as the buffer (zero between slices), in
   * the step's manager.
   */
  NDArray gradient() {
    if (leaf == null) {
      throw new IllegalStateException("No training step is bound: call bindForTraining first");
    }
    return leaf.getGradient();
  }

  /** Ends the bound step: the layers use the persistent views again. Safe to call when nothing is bound. */
  void release() {
    current = persistent;
    leaf = null;
  }

  /** The flat buffer every parameter is a view of, for the optimizer's whole-buffer updates. */
  NDArray flat() {
    layout();
    return flat;
  }

  /** Where each parameter lives in {@link #flat()}, in buffer order. */
  List<Slot> slots() {
    layout();
    return slots;
  }

  /** The decayed parameters (matrices) come first: they end here. */
  long decayedSize() {
    layout();
    return decayedSize;
  }

  byte[] safetensors() {
    return new NDList(all().values()).encode(NDList.Encoding.SAFETENSORS);
  }

  /** Copies of all parameters, named and in name order, in {@code into}: encoded later, as {@link #safetensors()}. */
  NDList copies(NDManager into) {
    NDList out = new NDList();
    all().forEach((name, parameter) -> out.add(copy(parameter, name, into)));
    return out;
  }

  /** A copy of {@code array} on {@code into}'s device (one tensor copy; a device-to-host one from a GPU). */
  static NDArray copy(NDArray array, String name, NDManager into) {
    // libtorch's to(device) of a tensor already there returns the tensor itself, not a copy: clone it then.
    NDArray copy = array.getDevice().equals(into.getDevice()) ? array.duplicate() : array.toDevice(into.getDevice(), true);
    copy.attach(into);
    copy.setName(name);
    return copy;
  }

  /**
   * Every parameter by name, in name order: views of the flat buffer, live (the optimizer updates them in place).
   * Write into one with an index ({@code set(new NDIndex(":"), values)}), never with {@code NDArray.set(Buffer)}, which
   * gives the view storage of its own (see {@link #copyInto}).
   */
  SortedMap<String, NDArray> all() {
    layout();
    return views;
  }

  long count() {
    return shapes.stream().mapToLong(Shape::size).sum();
  }

  /** SHA-256 over every parameter's name, shape and bytes, in name order: equal iff bitwise equal. */
  String hash() {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      for (Map.Entry<String, NDArray> entry : all().entrySet()) {
        sha256.update(entry.getKey().getBytes(StandardCharsets.UTF_8));
        sha256.update(entry.getValue().getShape().toString().getBytes(StandardCharsets.UTF_8));
        sha256.update(entry.getValue().toByteArray());
      }
      return HexFormat.of().formatHex(sha256.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java runtime has SHA-256", e);
    }
  }

  /** The current view of the parameter a {@link Parameter} handle stands for. */
  NDArray value(int handle) {
    layout();
    return current[handle];
  }

  /** Registers a parameter; its values are set by {@link #initialise} or {@link #load}. */
  private Parameter register(String name, Shape shape) {
    if (flat != null) {
      throw new IllegalStateException("Parameter '" + name + "' registered after " + owner + "'s parameters were laid out");
    }
    if (registered.contains(name)) {
      throw new IllegalArgumentException(owner + " already has a parameter '" + name + "'");
    }
    registered.add(name);
    shapes.add(shape);
    return new Parameter(this, registered.size() - 1, shape);
  }

  /** Lays the registered parameters out in one zeroed buffer, once: matrices first, each group in name order. */
  private void layout() {
    if (flat != null) {
      return;
    }
    if (registered.isEmpty()) {
      throw new IllegalStateException(owner + " has no parameters");
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < registered.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.<Integer, Boolean>comparing(i -> !decays(shapes.get(i))).thenComparing(registered::get));
    List<Slot> laidOut = new ArrayList<>();
    slotOfHandle = new int[registered.size()];
    long at = 0;
    for (int handle : order) {
      at = (at + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
      Shape shape = shapes.get(handle);
      slotOfHandle[handle] = laidOut.size();
      laidOut.add(new Slot(registered.get(handle), shape, at, shape.size()));
      at += shape.size();
      if (decays(shape)) {
        decayedSize = at;
      }
    }
    slots = List.copyOf(laidOut);
    // Split points: both ends of every slice (gaps between slices become pieces of their own, which no layer uses).
    List<Long> points = new ArrayList<>();
    pieceOfSlot = new int[slots.size()];
    long end = 0; // of the previous slice
    for (int s = 0; s < slots.size(); s++) {
      Slot slot = slots.get(s);
      if (slot.offset() > end) {
        points.add(slot.offset());
      }
      pieceOfSlot[s] = points.size();
      end = slot.offset() + slot.size();
      points.add(end);
    }
    points.remove(points.size() - 1); // the end of the buffer
    splitPoints = points.stream().mapToLong(Long::longValue).toArray();
    flat = manager.zeros(new Shape(at), DataType.FLOAT32); // libtorch's allocation: 64-byte aligned
    persistent = viewsOf(flat);
    current = persistent;
    SortedMap<String, NDArray> byName = new TreeMap<>();
    for (int handle = 0; handle < registered.size(); handle++) {
      byName.put(registered.get(handle), persistent[handle]);
    }
    views = Collections.unmodifiableSortedMap(byName);
  }

  /** Views of {@code base} (the buffer or a step's leaf over it), by handle index, named, in base's manager. */
  private NDArray[] viewsOf(NDArray base) {
    NDList pieces = base.split(splitPoints);
    NDArray[] byHandle = new NDArray[registered.size()];
    for (int handle = 0; handle < byHandle.length; handle++) {
      int slot = slotOfHandle[handle];
      NDArray view = pieces.get(pieceOfSlot[slot]).reshape(shapes.get(handle));
      view.setName(registered.get(handle));
      byHandle[handle] = view;
    }
    return byHandle;
  }

  @Override
  public void close() {
    manager.close();
  }
}
