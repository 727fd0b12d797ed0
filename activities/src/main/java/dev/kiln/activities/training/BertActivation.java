package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import java.util.List;

/**
 * The {@code hidden_act} values Kiln's BERT computes. transformers' "gelu" is the exact GELU, x·Φ(x) with the error
 * function, which is libtorch's default gelu (DJL's {@link Activation#gelu}); the tanh approximations ("gelu_new")
 * give other numbers, so they are refused rather than silently substituted.
 */
enum BertActivation {
  GELU("gelu"),
  RELU("relu");

  private final String id;

  BertActivation(String id) {
    this.id = id;
  }

  static BertActivation of(String hiddenAct) {
    for (BertActivation a : values()) {
      if (a.id.equals(hiddenAct)) {
        return a;
      }
    }
    throw new IllegalArgumentException("hidden_act '" + hiddenAct + "' is not one Kiln's BERT computes; it computes "
        + List.of(values()).stream().map(a -> a.id).toList());
  }

  NDArray apply(NDArray x) {
    return this == GELU ? Activation.gelu(x) : Activation.relu(x);
  }
}
