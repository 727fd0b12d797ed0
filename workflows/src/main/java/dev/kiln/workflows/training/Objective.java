package dev.kiln.workflows.training;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.kiln.workflows.EnumIds;
import dev.kiln.workflows.scope.Architecture;


/**
 * The three pretraining objectives, the architecture each trains, and the extra tokens each adds after the
 * tokenizer's vocabulary. Reserved tokens are appended (as T5 appends its 100 "extra ids"), so the ids of
 * {@code <|endoftext|>}, {@code <|pad|>}, the bytes and the merges stay those of the tokenizer, and one
 * tokenizer serves all three objectives.
 *
 * <p>In messages and histories an objective is its id ({@code "clm"}, ...), as it was when it was a string.
 *
 * <p>The corruption rates are those of the papers: BERT (Devlin et al. 2019) selects 15 % of tokens; T5
 * (Raffel et al. 2020) corrupts 15 % of tokens in spans of mean length 3.
 */
public enum Objective {
  /** Next-token prediction with a causal mask (GPT). */
  CLM("clm", Architecture.DECODER),
  /** Masked language modeling (BERT): predict the selected tokens from context on both sides. */
  MLM("mlm", Architecture.ENCODER),
  /** Span corruption (T5): spans become sentinels in the input, the decoder writes them out. */
  SPAN_CORRUPTION("span-corruption", Architecture.ENCODER_DECODER);

  public static final double MLM_SELECTION_RATE = 0.15;
  public static final double SPAN_NOISE_DENSITY = 0.15;
  public static final int MEAN_SPAN_LENGTH = 3;

  private final String id;
  private final Architecture architecture;

  Objective(String id, Architecture architecture) {
    this.id = id;
    this.architecture = architecture;
  }

  @JsonCreator
  public static Objective of(String id) {
    return EnumIds.byId(values(), Objective::id, id, "objective");
  }

  /**
   * The seed's rule of thumb: understanding tasks (classification, NER) read the whole input, so MLM;
   * generation, CLM; tasks that map one text to another (translation, summarization, QA), span corruption.
   */
  public static Objective forTask(String task) {
    return switch (task) {
      case "classification", "ner" -> MLM;
      case "generation" -> CLM;
      case "translation", "summarization", "qa" -> SPAN_CORRUPTION;
      default -> throw new IllegalArgumentException("unknown task '" + task + "'");
    };
  }

  @JsonValue
  public String id() {
    return id;
  }

  public Architecture architecture() {
    return architecture;
  }

  /** The id: what messages and config hashes held when the objective was a string, so both stay as they were. */
  @Override
  public String toString() {
    return id;
  }

  /** Tokens this objective adds after the tokenizer's ids: [MASK] for MLM, one sentinel per span for T5. */
  public int reservedTokens(int contextLength) {
    return switch (this) {
      case CLM -> 0;
      case MLM -> 1;
      case SPAN_CORRUPTION -> spans(contextLength);
    };
  }

  /** The model's vocabulary: the tokenizer's plus the reserved tokens. */
  public int modelVocabSize(int tokenizerVocabSize, int contextLength) {
    return tokenizerVocabSize + reservedTokens(contextLength);
  }

  /** T5's count of corrupted tokens in a window: 15 % rounded, at least 1, and never the whole window. */
  public static int noiseTokens(int length) {
    return Math.min(Math.max((int) Math.round(length * SPAN_NOISE_DENSITY), 1), length - 1);
  }

  /** T5's count of corrupted spans in a window: noise tokens / mean span length, at least 1. */
  public static int spans(int length) {
    return Math.max((int) Math.round((double) noiseTokens(length) / MEAN_SPAN_LENGTH), 1);
  }

  /** The shortest window whose corrupted tokens make up at least one span of the mean length. */
  public static int minimumSpanCorruptionContext() {
    int length = 2;
    while (noiseTokens(length) < MEAN_SPAN_LENGTH) {
      length++;
    }
    return length;
  }
}
