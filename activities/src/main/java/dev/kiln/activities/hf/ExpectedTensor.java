package dev.kiln.activities.hf;

import java.util.List;

/**
 * A parameter the architecture has, with the shape its config implies.
 *
 * @param name the name transformers gives it in the task model (e.g. GPT2LMHeadModel), prefix included
 * @param shape the dimensions the config implies
 * @param formula the same shape in config fields, e.g. {@code [n_embd, 3×n_embd]}, so a mismatch says which field
 * @param tiedTo for a tied parameter, the one it shares storage with: the checkpoint may leave it out (transformers
 *     does), and then it is that tensor; null when the checkpoint must hold it
 */
public record ExpectedTensor(String name, List<Long> shape, String formula, String tiedTo) {
  public ExpectedTensor {
    shape = List.copyOf(shape);
  }

  public boolean required() {
    return tiedTo == null;
  }
}
