package dev.kiln.activities.hf;

import java.util.Map;

/**
 * Rotary position embedding settings, merged the way transformers merges them: {@code rope_parameters} (current
 * configs), else the older {@code rope_scaling}, with {@code rope_theta} from inside it, else from the top level,
 * else 10000.
 *
 * @param ropeType default, linear, dynamic, yarn or llama3
 * @param ropeTheta base wavelength of the rotary frequencies
 * @param scaling the type's numeric parameters (factor, low_freq_factor, high_freq_factor,
 *     original_max_position_embeddings, ...); empty for default
 */
public record RopeParameters(String ropeType, double ropeTheta, Map<String, Double> scaling) {
  public static final double DEFAULT_THETA = 10_000.0;

  public RopeParameters {
    scaling = Map.copyOf(scaling);
  }
}
