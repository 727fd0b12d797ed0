package dev.kiln.activities.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The parameters of one model, each under a stable name (nanoGPT's state_dict style), so that checkpoints,
 * the optimizer state and the initialisation are all keyed by name and do not depend on creation order.
 */
final class NamedParameters implements AutoCloseable {

  private final String owner;
  private final NDManager manager;
  private final SortedMap<String, NDArray> parameters = new TreeMap<>();
  private final Map<String, Double> initStd = new HashMap<>();

  /** @param owner what these parameters make up, for error messages (e.g. "a GPT of shape ...") */
  NamedParameters(String owner, Device device) {
    this.owner = owner;
    this.manager = NDManager.newBaseManager(device);
  }

  NDManager manager() {
    return manager;
  }

  /** A matrix initialised from N(0, std^2). */
  NDArray weight(String name, Shape shape, double std) {
    initStd.put(name, std);
    return register(name, shape);
  }

  LinearWeights linear(String name, int in, int out, double std) {
    return new LinearWeights(weight(name + ".weight", new Shape(out, in), std), register(name + ".bias", new Shape(out)));
  }

  LayerNormWeights layerNorm(String name, int features) {
    Shape shape = new Shape(features);
    return new LayerNormWeights(register(name + ".weight", shape), register(name + ".bias", shape));
  }

  /** GPT-2 initialisation, reproducible from the seed alone (independent of engine and device). */
  void initialise(long seed) {
    GradMode.offOnThisThread(); // the copies below write into leaves that require grad
    for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
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
    try (NDManager scratch = manager.newSubManager()) {
      NDList loaded = NDList.decode(scratch, safetensors);
      Map<String, NDArray> byName = new HashMap<>();
      for (NDArray array : loaded) {
        if (!parameters.containsKey(array.getName())) {
          throw new IllegalArgumentException(
              "Weights contain tensor '" + array.getName() + "' which " + owner + " does not have");
        }
        byName.put(array.getName(), array);
      }
      for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
        NDArray source = byName.get(entry.getKey());
        NDArray target = entry.getValue();
        if (source == null) {
          throw new IllegalArgumentException("Weights lack tensor '" + entry.getKey() + "' of shape " + target.getShape());
        }
        if (!source.getShape().equals(target.getShape()) || source.getDataType() != target.getDataType()) {
          throw new IllegalArgumentException(
              "Tensor '" + entry.getKey() + "' is " + source.getDataType() + source.getShape()
                  + " but " + owner + " needs " + target.getDataType() + target.getShape());
        }
        copyInto(target, source);
      }
    }
  }

  /**
   * Copies {@code source}'s values into {@code parameter}'s own storage. Not {@code NDArray.set(Buffer)}: on the CPU,
   * DJL's PyTorch engine makes the Java buffer the tensor's storage ({@code set_}), so the weights would live in
   * memory the JVM allocated, 16-byte aligned at an offset that differs from process to process; MKL's matrix
   * products take alignment-dependent paths, so the same seed then trained to slightly different weights in
   * another process (a resumed run, a repeated benchmark). libtorch's own allocations are 64-byte aligned.
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

  byte[] safetensors() {
    return new NDList(parameters.values()).encode(NDList.Encoding.SAFETENSORS);
  }

  /** Copies of all parameters, named and in name order, in {@code into}: encoded later, as {@link #safetensors()}. */
  NDList copies(NDManager into) {
    NDList out = new NDList();
    parameters.forEach((name, parameter) -> out.add(copy(parameter, name, into)));
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

  SortedMap<String, NDArray> all() {
    return Collections.unmodifiableSortedMap(parameters);
  }

  long count() {
    return parameters.values().stream().mapToLong(NDArray::size).sum();
  }

  /** SHA-256 over every parameter's name, shape and bytes, in name order: equal iff bitwise equal. */
  String hash() {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
        sha256.update(entry.getKey().getBytes(StandardCharsets.UTF_8));
        sha256.update(entry.getValue().getShape().toString().getBytes(StandardCharsets.UTF_8));
        sha256.update(entry.getValue().toByteArray());
      }
      return HexFormat.of().formatHex(sha256.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java runtime has SHA-256", e);
    }
  }

  /** Registers a parameter; its values are set by {@link #initialise} or {@link #load}. */
  private NDArray register(String name, Shape shape) {
    NDArray parameter = manager.zeros(shape, DataType.FLOAT32);
    parameter.setName(name);
    parameter.setRequiresGradient(true);
    parameters.put(name, parameter);
    return parameter;
  }

  @Override
  public void close() {
    manager.close();
  }
}
