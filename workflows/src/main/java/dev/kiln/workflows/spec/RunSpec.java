package dev.kiln.workflows.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Everything a pretraining run needs, as read from a YAML file in configs/. Travels through workflow
 * history, so it holds settings only, never data.
 */
public record RunSpec(
    String name,
    UseCase useCase,
    Budget budget,
    ModelChoice model,
    DataSpec data,
    CurationSpec curation,
    TokenizerSpec tokenizer,
    TrainingSpec training,
    EvaluationSpec evaluation,
    Resilience resilience) {

  /** The spec with {@code resilience} filled in: absent sections and fields take {@link Resilience#DEFAULTS}. */
  public Resilience resilienceOrDefaults() {
    return Resilience.DEFAULTS.overriddenBy(resilience);
  }

  /** What the model is for; the task decides the architecture family and objective. */
  public record UseCase(String task, String description, List<String> languages) {}

  /**
   * Compute budget in training FLOPs (C ~ 6 N D) and what is expected of curation: the fraction of raw
   * tokens that survives the filters, and the tokens-per-parameter ratio (Chinchilla: ~20).
   *
   * @param ladder the id of a finished scaling-law ladder (docs/ladders.md): scope then chooses N and D for this
   *     budget from the law fitted to it instead of the fixed {@code tokensPerParameter}. Optional; a spec without
   *     it is carried as it was (no field in its JSON)
   */
  public record Budget(
      double trainingFlops,
      double expectedCurationYield,
      double tokensPerParameter,
      @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
      String ladder) {

    /** A budget sized by the fixed tokens-per-parameter ratio (no ladder). */
    public Budget(double trainingFlops, double expectedCurationYield, double tokensPerParameter) {
      this(trainingFlops, expectedCurationYield, tokensPerParameter, null);
    }
  }

  /** {@code strategy}: auto (pick from the hub if a card fits, else scratch), scratch, or continue (from {@code hubModel}). */
  public record ModelChoice(String strategy, String hubModel) {}

  /**
   * Raw data: S3 prefixes (under {@code raw/}) to read, the fraction of kept documents held out whole for
   * evaluation (chosen by a hash of the document id, so the split is stable), and how many raw objects
   * one curation shard reads.
   *
   * @param onlyNew curate only the raw objects that no completed earlier run of this spec (its {@code name}: the
   *     lineage, e.g. a schedule's nightly runs) has consumed; a run records what it consumed when it completes
   *     (optional, default false)
   * @param whenNothingNew with {@code onlyNew}, when no new raw object has arrived: {@code skip} (the run ends at
   *     once, completed with stage {@code skipped}, not failed) or {@code all} (curate every raw object again);
   *     optional, default skip
   * @param format how the raw objects are read (docs/curation-formats.md): {@code auto} (the default: by the key's
   *     extension, then by sniffing the content), {@code warc} (WARC and WET), {@code jsonl}, {@code parquet},
   *     {@code html} or {@code text} (one document per object). Optional; a spec without it is carried as it was
   * @param fields the text, id and url field (column) names of JSONL and Parquet records; optional, defaults
   *     {@code text}, {@code id}, {@code url}
   * @param recordsPerShard how many records (WARC records, JSONL lines, Parquet rows) of a container format one
   *     curation shard reads at most; optional, default {@value #DEFAULT_RECORDS_PER_SHARD}. {@code documentsPerShard}
   *     still groups one-document objects (HTML and text files)
   */
  public record DataSpec(
      List<String> rawPrefixes, double heldOutFraction, int documentsPerShard, Boolean onlyNew, String whenNothingNew,
      @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
      String format,
      @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
      Fields fields,
      @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
      Integer recordsPerShard) {
    public static final String SKIP = "skip";
    public static final String ALL = "all";
    public static final String AUTO = "auto";
    /** The values {@code format} takes. */
    public static final List<String> FORMATS = List.of(AUTO, "warc", "jsonl", "parquet", "html", "text");
    public static final int DEFAULT_RECORDS_PER_SHARD = 2_000;

    /** The data settings of specs written before the container formats: auto format, default fields and shards. */
    public DataSpec(
        List<String> rawPrefixes, double heldOutFraction, int documentsPerShard, Boolean onlyNew, String whenNothingNew) {
      this(rawPrefixes, heldOutFraction, documentsPerShard, onlyNew, whenNothingNew, null, null, null);
    }

    /** {@link #format}, with its default ({@code auto}). */
    public String formatOrAuto() {
      return format == null ? AUTO : format;
    }

    /** {@link #fields}, each name with its default. */
    public Fields fieldsOrDefaults() {
      return Fields.DEFAULTS.overriddenBy(fields);
    }

    /** {@link #recordsPerShard}, with its default. */
    public int recordsPerShardOrDefault() {
      return recordsPerShard == null ? DEFAULT_RECORDS_PER_SHARD : recordsPerShard;
    }

    /** Field (column) names of JSONL and Parquet records; a null name takes its default. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record Fields(String text, String id, String url) {
      public static final Fields DEFAULTS = new Fields("text", "id", "url");

      Fields overriddenBy(Fields o) {
        return o == null ? this
            : new Fields(o.text() != null ? o.text() : text, o.id() != null ? o.id() : id, o.url() != null ? o.url() : url);
      }
    }

    /** {@link #onlyNew}, with its default (false). */
    public boolean newDataOnly() {
      return Boolean.TRUE.equals(onlyNew);
    }

    /** {@link #whenNothingNew}, with its default. */
    public String nothingNewPolicy() {
      return whenNothingNew == null ? SKIP : whenNothingNew;
    }
  }

  /**
   * What to keep: the run's languages (language identification and the per-language word lists), and the
   * curation profile that lists the steps and thresholds. {@code profile} is the file's path relative to the
   * run spec; {@code rules} is its content, filled in by the loader.
   *
   * @param languageModel optional: the key, in the run's bucket, of a fastText language-identification model
   *     ({@code .bin} or quantized {@code .ftz}, e.g. lid.176.ftz as FineWeb and DataTrove use it); the language step
   *     then decides as DataTrove's LanguageFilter does (a document is kept when one of {@code languages} has a
   *     probability above {@code minLanguageConfidence}). Without it (the default) the built-in n-gram detector
   *     decides, and a spec without it is carried as it was (no field in its JSON). docs/language-id.md
   */
  public record CurationSpec(String profile, List<String> languages, double minLanguageConfidence, CurationProfile rules,
      @JsonInclude(JsonInclude.Include.NON_NULL) String languageModel) {

    /** With the built-in detector. Not a creator: specs are read through the canonical constructor. */
    @com.fasterxml.jackson.annotation.JsonCreator(mode = com.fasterxml.jackson.annotation.JsonCreator.Mode.DISABLED)
    public CurationSpec(String profile, List<String> languages, double minLanguageConfidence, CurationProfile rules) {
      this(profile, languages, minLanguageConfidence, rules, null);
    }

    /** This spec with the profile's content filled in. */
    public CurationSpec withRules(CurationProfile loaded) {
      return new CurationSpec(profile, languages, minLanguageConfidence, loaded, languageModel);
    }
  }

  /**
   * @param trainingSampleChars how many characters of the kept training text the tokenizer trains on, at most (the
   *     partitioned global stage samples documents by a hash of their id, in global order); optional, default
   *     {@link #DEFAULT_TRAINING_SAMPLE_CHARS}; a spec without it is carried as it was (no field in its JSON)
   */
  public record TokenizerSpec(int vocabSize, @JsonInclude(JsonInclude.Include.NON_NULL) Long trainingSampleChars) {
    /** As many characters as the BPE trainer reads by default (its own bound), so a default run trains alike. */
    public static final long DEFAULT_TRAINING_SAMPLE_CHARS = 10_000_000;

    /** Not a creator: a scalar where the tokenizer section belongs is refused, not read as its vocabulary size. */
    @com.fasterxml.jackson.annotation.JsonCreator(mode = com.fasterxml.jackson.annotation.JsonCreator.Mode.DISABLED)
    public TokenizerSpec(int vocabSize) {
      this(vocabSize, null);
    }

    /** {@link #trainingSampleChars}, with its default. */
    public long sampleChars() {
      return trainingSampleChars == null ? DEFAULT_TRAINING_SAMPLE_CHARS : trainingSampleChars;
    }
  }

  /**
   * Training hyperparameters. {@code steps}, {@code dModel}, {@code layers}, {@code heads} of 0 mean
   * "derive from the compute budget in the scope stage".
   *
   * @param activation the GPT's MLP activation: {@code gelu} (exact, the default when left out) or {@code gelu_new}
   *     (GPT-2's tanh approximation, which makes an exported decoder GPT-2's maths exactly); only for tasks that train
   *     a decoder. Optional; a spec without it is carried as it was (no field in its JSON)
   * @param architecture the network within the task's family, a {@code ModelType} id: {@code gpt2} or {@code llama}
   *     (decoders), {@code bert}, {@code roberta} or {@code kiln-encoder} (encoders), {@code t5-v1_1}, {@code t5-v1_0}
   *     or {@code kiln-encoder-decoder} (encoder-decoders). Optional: the scope stage picks the family's default (GPT-2,
   *     BERT, T5 v1.1); a spec without it is carried as it was (no field in its JSON)
   */
  public record TrainingSpec(
      int contextLength,
      int batchSize,
      int steps,
      int dModel,
      int layers,
      int heads,
      double learningRate,
      double minLearningRate,
      int warmupSteps,
      double weightDecay,
      double gradClip,
      double dropout,
      long seed,
      int checkpointEvery,
      int segmentSteps,
      String device,
      @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
      String activation,
      @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
      String architecture) {

    /** The hyperparameters without an activation (the exact GELU) or architecture (the family's default). */
    public TrainingSpec(
        int contextLength, int batchSize, int steps, int dModel, int layers, int heads, double learningRate,
        double minLearningRate, int warmupSteps, double weightDecay, double gradClip, double dropout, long seed,
        int checkpointEvery, int segmentSteps, String device) {
      this(contextLength, batchSize, steps, dModel, layers, heads, learningRate, minLearningRate, warmupSteps,
          weightDecay, gradClip, dropout, seed, checkpointEvery, segmentSteps, device, null, null);
    }

    /** These hyperparameters training {@code architecture} (a {@code ModelType} id, or null for the default). */
    public TrainingSpec withArchitecture(String architecture) {
      return new TrainingSpec(contextLength, batchSize, steps, dModel, layers, heads, learningRate, minLearningRate,
          warmupSteps, weightDecay, gradClip, dropout, seed, checkpointEvery, segmentSteps, device, activation,
          architecture);
    }
  }

  /**
   * @param compareWithDecoder an experiment for encoder (masked LM) runs, off unless asked for: the evaluation also
   *     pretrains a GPT of the run's shape with causal LM on the same tokens and budget and runs the document probe
   *     on it. That is a second training as long as the run's, inside the one evaluation activity, with no
   *     checkpoints: a failure there starts it again from step 0. Optional, default false; only for tasks that
   *     train an encoder (classification, ner)
   */
  public record EvaluationSpec(
      int samples, int maxNewTokens, double temperature, List<String> prompts, int maxHeldOutTokens,
      Boolean compareWithDecoder) {

    /** The spec without the decoder comparison (the default). */
    public EvaluationSpec(int samples, int maxNewTokens, double temperature, List<String> prompts, int maxHeldOutTokens) {
      this(samples, maxNewTokens, temperature, prompts, maxHeldOutTokens, null);
    }

    /** {@link #compareWithDecoder}, with its default (false). */
    public boolean comparesWithDecoder() {
      return Boolean.TRUE.equals(compareWithDecoder);
    }
  }

  /**
   * How training survives failures. The section and each of its fields may be left out (null): the
   * defaults below apply.
   *
   * @param asyncCheckpoints upload checkpoints in the background while training goes on (at most one in flight)
   * @param keepLast committed checkpoints always kept, newest first
   * @param keepEvery also keep every keepEvery-th checkpoint (step a multiple of keepEvery x checkpointEvery)
   * @param lossSpikeFactor a loss above this factor x the moving average is a spike (0 turns spike detection off;
   *     non-finite losses are always caught)
   * @param lossSpikeWindow the moving average's length in steps; no spike is called before it is full
   * @param maxRollbacks rollbacks (loss spikes, non-finite losses) allowed before the run fails
   * @param heartbeatSeconds a training worker silent this long is declared dead and its segment resumed elsewhere
   * @param segmentSeconds a training activity ends at the first checkpoint after this long (bounded activities)
   * @param continueAsNewAfterEvents the training workflow continues as new when its history passes this length
   */
  public record Resilience(
      Boolean asyncCheckpoints,
      Integer keepLast,
      Integer keepEvery,
      Double lossSpikeFactor,
      Integer lossSpikeWindow,
      Integer maxRollbacks,
      Integer heartbeatSeconds,
      Integer segmentSeconds,
      Integer continueAsNewAfterEvents) {

    public static final Resilience DEFAULTS = new Resilience(true, 3, 10, 3.0, 50, 3, 10, 900, 1000);

    /** This record with each of {@code other}'s non-null fields in place of its own. */
    public Resilience overriddenBy(Resilience other) {
      if (other == null) {
        return this;
      }
      return new Resilience(
          or(other.asyncCheckpoints, asyncCheckpoints), or(other.keepLast, keepLast), or(other.keepEvery, keepEvery),
          or(other.lossSpikeFactor, lossSpikeFactor), or(other.lossSpikeWindow, lossSpikeWindow),
          or(other.maxRollbacks, maxRollbacks), or(other.heartbeatSeconds, heartbeatSeconds),
          or(other.segmentSeconds, segmentSeconds), or(other.continueAsNewAfterEvents, continueAsNewAfterEvents));
    }

    private static <T> T or(T value, T fallback) {
      return value != null ? value : fallback;
    }
  }
}
