package dev.kiln.workflows.training;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;

/**
 * Everything the trainer needs, resolved from the RunSpec, the scope plan and curation's outputs.
 * Its {@link #hash()} goes into every checkpoint so a resume never mixes configurations.
 *
 * @param encoderFlavor for MLM, the published encoder to train instead of Kiln's pre-LN encoder (transformers'
 *     BERT or RoBERTa), or null for Kiln's. Left out of the JSON and of {@link #toString()} (so of the hash) when
 *     null, so configs of runs that started before it existed read, hash and compare as they did.
 * @param t5 for span corruption, train this T5 ({@code T5Model}) instead of Kiln's own encoder-decoder; null (the
 *     default, and every config written before the field existed) keeps Kiln's. Left out of the JSON and of the
 *     hashed text when null, so existing payloads and checkpoint hashes are unchanged.
 * @param llama for CLM, a Llama ({@link LlamaOptions}) instead of Kiln's GPT, or null for the GPT. Left out of the
 *     JSON and of the hashed text when null, as the two above.
 * @param activation the GPT's MLP activation, null for the exact GELU every run had before it could be chosen (an
 *     explicit {@link MlpActivation#GELU} is stored as null). Left out of the JSON and of the hashed text when null,
 *     as the ones above.
 */
public record TrainingConfig(
    ModelShape shape,
    Objective objective,
    int batchSize,
    int steps,
    double learningRate,
    double minLearningRate,
    int warmupSteps,
    double weightDecay,
    double gradClip,
    double dropout,
    long seed,
    int checkpointEvery,
    String device,
    String manifestKey,
    String initWeightsKey,
    @JsonInclude(JsonInclude.Include.NON_NULL) EncoderFlavor encoderFlavor,
    @JsonInclude(JsonInclude.Include.NON_NULL) T5Variant t5,
    @JsonInclude(JsonInclude.Include.NON_NULL) LlamaOptions llama,
    @JsonInclude(JsonInclude.Include.NON_NULL) MlpActivation activation) {

  public TrainingConfig {
    if (encoderFlavor != null && objective != Objective.MLM) {
      throw new IllegalArgumentException("encoderFlavor " + encoderFlavor + " is an MLM encoder, but the objective is "
          + objective + ". Fix: drop encoderFlavor, or train the mlm objective");
    }
    if (llama != null && objective != Objective.CLM) {
      throw new IllegalArgumentException("a Llama trains with the clm objective, not " + objective);
    }
    activation = activation == MlpActivation.GELU ? null : activation;
    if (activation != null && (objective != Objective.CLM || llama != null)) {
      throw new IllegalArgumentException("activation " + activation + " is a choice of Kiln's GPT, but the config trains "
          + (llama != null ? "a Llama" : objective.id()) + ". Fix: drop the activation");
    }
  }

  /** A config of Kiln's own architecture for the objective (no {@link #encoderFlavor}, {@link #t5} or {@link #llama}). */
  public TrainingConfig(ModelShape shape, Objective objective, int batchSize, int steps, double learningRate,
      double minLearningRate, int warmupSteps, double weightDecay, double gradClip, double dropout, long seed,
      int checkpointEvery, String device, String manifestKey, String initWeightsKey) {
    this(shape, objective, batchSize, steps, learningRate, minLearningRate, warmupSteps, weightDecay, gradClip,
        dropout, seed, checkpointEvery, device, manifestKey, initWeightsKey, null, null, null, null);
  }

  /** A config with the exact GELU (every config written before the activation could be chosen). */
  public TrainingConfig(ModelShape shape, Objective objective, int batchSize, int steps, double learningRate,
      double minLearningRate, int warmupSteps, double weightDecay, double gradClip, double dropout, long seed,
      int checkpointEvery, String device, String manifestKey, String initWeightsKey, EncoderFlavor encoderFlavor,
      T5Variant t5, LlamaOptions llama) {
    this(shape, objective, batchSize, steps, learningRate, minLearningRate, warmupSteps, weightDecay, gradClip,
        dropout, seed, checkpointEvery, device, manifestKey, initWeightsKey, encoderFlavor, t5, llama, null);
  }

  /** The MLP activation the GPT trains with, never null. */
  @JsonIgnore
  public MlpActivation mlpActivation() {
    return MlpActivation.orDefault(activation);
  }

  /**
   * The record's own text, with {@code encoderFlavor}, {@code t5}, {@code llama} and {@code activation} only when
   * set: checkpoint manifests of runs in flight record the hash of the text without them.
   */
  @Override
  public String toString() {
    return "TrainingConfig[shape=" + shape + ", objective=" + objective + ", batchSize=" + batchSize + ", steps="
        + steps + ", learningRate=" + learningRate + ", minLearningRate=" + minLearningRate + ", warmupSteps="
        + warmupSteps + ", weightDecay=" + weightDecay + ", gradClip=" + gradClip + ", dropout=" + dropout
        + ", seed=" + seed + ", checkpointEvery=" + checkpointEvery + ", device=" + device + ", manifestKey="
        + manifestKey + ", initWeightsKey=" + initWeightsKey
        + (encoderFlavor == null ? "" : ", encoderFlavor=" + encoderFlavor) + (t5 == null ? "" : ", t5=" + t5)
        + (llama == null ? "" : ", llama=" + llama) + (activation == null ? "" : ", activation=" + activation) + "]";
  }

  /** SHA-256 of the config's canonical text, in hex: what checkpoint manifests record. */
  public String hash() {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
          .digest(toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /**
   * The 32-bit {@code hashCode} that checkpoints written before {@link #hash()} became SHA-256 carry: still accepted
   * on load and at commit, so a run in flight across the upgrade keeps its checkpoints.
   */
  public String legacyHash() {
    return Integer.toHexString(toString().hashCode());
  }

  public long tokensPerStep() {
    return (long) batchSize * shape.contextLength();
  }

  /** A config by name; every field but {@code dropout} (0) and the optional ones (null) must be set. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this config's fields, to change some of them. */
  public Builder toBuilder() {
    return new Builder().shape(shape).objective(objective).batchSize(batchSize).steps(steps)
        .learningRate(learningRate, minLearningRate).warmupSteps(warmupSteps).weightDecay(weightDecay)
        .gradClip(gradClip).dropout(dropout).seed(seed).checkpointEvery(checkpointEvery).device(device)
        .manifestKey(manifestKey).initWeightsKey(initWeightsKey).encoderFlavor(encoderFlavor).t5(t5).llama(llama)
        .activation(activation);
  }

  /**
   * Builds a config by field name rather than by position (19 of them, five of them doubles). Its JSON and its
   * {@link #hash()} are the record's, whichever way it was made.
   */
  public static final class Builder {
    private ModelShape shape;
    private Objective objective;
    private Integer batchSize;
    private Integer steps;
    private Double learningRate;
    private Double minLearningRate;
    private Integer warmupSteps;
    private Double weightDecay;
    private Double gradClip;
    private double dropout;
    private Long seed;
    private Integer checkpointEvery;
    private String device;
    private String manifestKey;
    private String initWeightsKey;
    private EncoderFlavor encoderFlavor;
    private T5Variant t5;
    private LlamaOptions llama;
    private MlpActivation activation;

    private Builder() {}

    public Builder shape(ModelShape v) { shape = v; return this; }
    public Builder objective(Objective v) { objective = v; return this; }
    public Builder batchSize(int v) { batchSize = v; return this; }
    public Builder steps(int v) { steps = v; return this; }
    /** The peak learning rate and the floor the cosine schedule decays to. */
    public Builder learningRate(double peak, double min) { learningRate = peak; minLearningRate = min; return this; }
    public Builder warmupSteps(int v) { warmupSteps = v; return this; }
    public Builder weightDecay(double v) { weightDecay = v; return this; }
    public Builder gradClip(double v) { gradClip = v; return this; }
    public Builder dropout(double v) { dropout = v; return this; }
    public Builder seed(long v) { seed = v; return this; }
    public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
    public Builder device(String v) { device = v; return this; }
    /** The curated token manifest training reads. */
    public Builder manifestKey(String v) { manifestKey = v; return this; }
    /** Weights to start from (a continued model), or null for a model trained from scratch. */
    public Builder initWeightsKey(String v) { initWeightsKey = v; return this; }
    /** BERT or RoBERTa instead of Kiln's pre-LN encoder (MLM only), or null (the default) for Kiln's. */
    public Builder encoderFlavor(EncoderFlavor v) { encoderFlavor = v; return this; }
    /** Span corruption only: train this T5 instead of Kiln's encoder-decoder; null (the default) keeps Kiln's. */
    public Builder t5(T5Variant v) { t5 = v; return this; }
    /** Train a Llama of these options (CLM only), or null for the objective's default architecture. */
    public Builder llama(LlamaOptions v) { llama = v; return this; }
    /** The GPT's MLP activation; unset (null) is the exact GELU. */
    public Builder activation(MlpActivation v) { activation = v; return this; }

    /** @throws IllegalStateException naming the fields not set */
    public TrainingConfig build() {
      java.util.List<String> missing = new java.util.ArrayList<>();
      java.util.Map<String, Object> required = new java.util.LinkedHashMap<>();
      required.put("shape", shape);
      required.put("objective", objective);
      required.put("batchSize", batchSize);
      required.put("steps", steps);
      required.put("learningRate", learningRate);
      required.put("warmupSteps", warmupSteps);
      required.put("weightDecay", weightDecay);
      required.put("gradClip", gradClip);
      required.put("seed", seed);
      required.put("checkpointEvery", checkpointEvery);
      required.put("device", device);
      required.put("manifestKey", manifestKey);
      required.forEach((name, value) -> {
        if (value == null) {
          missing.add(name);
        }
      });
      if (!missing.isEmpty()) {
        throw new IllegalStateException("a training config needs " + String.join(", ", missing));
      }
      if (t5 != null && objective != Objective.SPAN_CORRUPTION) {
        throw new IllegalStateException("t5 " + t5 + " needs objective span-corruption, not " + objective);
      }
      return new TrainingConfig(shape, objective, batchSize, steps, learningRate, minLearningRate, warmupSteps,
          weightDecay, gradClip, dropout, seed, checkpointEvery, device, manifestKey, initWeightsKey, encoderFlavor, t5,
          llama, activation);
    }
  }
}
