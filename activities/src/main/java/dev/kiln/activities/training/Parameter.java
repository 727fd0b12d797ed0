package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * A model's handle on one of its {@link NamedParameters}: its value is a view into the model's flat buffer, the
 * persistent one outside a training step and the step's own (whose backward yields the flat gradient) inside it.
 * Layers hold handles, never arrays, so that one binding per step re-points every layer at once.
 */
final class Parameter {
  private final NamedParameters owner;
  private final int index;
  private final Shape shape;

  Parameter(NamedParameters owner, int index, Shape shape) {
    this.owner = owner;
    this.index = index;
    this.shape = shape;
  }

  NDArray value() {
    return owner.value(index);
  }

  Shape shape() {
    return shape;
  }
}
