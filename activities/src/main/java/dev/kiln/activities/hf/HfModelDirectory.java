package dev.kiln.activities.hf;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A Hugging Face model directory, opened and checked for import: config.json parsed, the safetensors weights
 * (single or sharded) opened and matched against the parameters the config implies, tokenizer.json checked against
 * the vocabulary, README.md's card read. Everything that would make the import fail later fails here, with the
 * file, tensor or field named; what is merely worth knowing (tensors left unused, an unreadable README, no
 * tokenizer) is in {@link #warnings()}.
 *
 * <p>Reads go through {@link HfFileSource}, so the same checks run on a local directory, a downloaded snapshot or,
 * later, an object-store prefix.
 */
public final class HfModelDirectory implements AutoCloseable {
  public static final String CONFIG = "config.json";
  public static final String TOKENIZER = "tokenizer.json";
  public static final String README = "README.md";
  private static final long MAX_CONFIG_BYTES = 1L << 20;
  private static final long MAX_TOKENIZER_BYTES = 64L << 20;
  private static final long MAX_README_BYTES = 1L << 20;
  /** Tokenizer files of the slow tokenizers, which carry a vocabulary but are not tokenizer.json. */
  private static final List<String> OTHER_TOKENIZER_FILES =
      List.of("vocab.json", "merges.txt", "vocab.txt", "spiece.model", "tokenizer.model", "sentencepiece.bpe.model");

  private final HfFileSource source;
  private final HfModelConfig config;
  private final HfParameterLayout layout;
  private final SafetensorsCheckpoint checkpoint;
  private final WeightsMatch weights;
  private final HfTokenizerFile tokenizer;
  private final String missingTokenizer;
  private final HfReadme readme;
  private final List<String> warnings;

  private HfModelDirectory(
      HfFileSource source,
      HfModelConfig config,
      HfParameterLayout layout,
      SafetensorsCheckpoint checkpoint,
      WeightsMatch weights,
      HfTokenizerFile tokenizer,
      String missingTokenizer,
      HfReadme readme,
      List<String> warnings) {
    this.source = source;
    this.config = config;
    this.layout = layout;
    this.checkpoint = checkpoint;
    this.weights = weights;
    this.tokenizer = tokenizer;
    this.missingTokenizer = missingTokenizer;
    this.readme = readme;
    this.warnings = List.copyOf(warnings);
  }

  public static HfModelDirectory open(Path directory) throws IOException {
    return open(HfFileSource.directory(directory));
  }

  /**
   * Opens and checks the directory; close the result to release the weights.
   *
   * @throws HfImportException (a subclass of it) for each way the directory cannot be imported
   */
  public static HfModelDirectory open(HfFileSource source) throws IOException {
    String where = source.describe();
    if (!source.exists(CONFIG)) {
      throw new HfMissingFileException(
          CONFIG,
          where + " has no " + CONFIG + ": Kiln needs it to know the architecture; download it with the weights");
    }
    HfModelConfig config = HfModelConfig.parse(source.readAll(CONFIG, MAX_CONFIG_BYTES), where + "/" + CONFIG);
    HfParameterLayout layout = HfParameterLayout.of(config);
    List<String> warnings = new ArrayList<>();
    SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(source);
    try {
      WeightsMatch weights = HfWeightsCheck.check(layout, checkpoint, config, where);
      if (!weights.unused().isEmpty()) {
        warnings.add(
            weights.unused().size()
                + " tensor(s) of the checkpoint are not parameters of the "
                + config.modelType()
                + " model and are ignored: "
                + preview(weights.unused()));
      }
      HfTokenizerFile tokenizer = null;
      String missingTokenizer = null;
      if (source.exists(TOKENIZER)) {
        tokenizer = HfTokenizerFile.parse(source.readAll(TOKENIZER, MAX_TOKENIZER_BYTES), where + "/" + TOKENIZER);
        if (tokenizer.idCount() > config.vocabSize()) {
          throw new HfImportException(
              where
                  + "/"
                  + TOKENIZER
                  + " produces ids up to "
                  + (tokenizer.idCount() - 1)
                  + " but the model's vocab_size is "
                  + config.vocabSize()
                  + ": the tokenizer belongs to another model; use the one saved with these weights");
        }
      } else {
        missingTokenizer = missingTokenizerMessage(source);
        warnings.add(missingTokenizer);
      }
      HfReadme readme = null;
      if (source.exists(README)) {
        try {
          readme = HfReadmeParser.parse(source.readAll(README, MAX_README_BYTES), where + "/" + README);
        } catch (HfImportException e) {
          warnings.add("the model card is not read: " + e.getMessage());
        }
      }
      return new HfModelDirectory(
          source, config, layout, checkpoint, weights, tokenizer, missingTokenizer, readme, warnings);
    } catch (IOException | RuntimeException e) {
      checkpoint.close();
      throw e;
    }
  }

  public HfFileSource source() {
    return source;
  }

  public HfModelConfig config() {
    return config;
  }

  public HfParameterLayout layout() {
    return layout;
  }

  public SafetensorsCheckpoint checkpoint() {
    return checkpoint;
  }

  public WeightsMatch weights() {
    return weights;
  }

  /**
   * A parameter's values as float32, by its transformers name, whether the checkpoint stores it under that name,
   * a legacy spelling, or leaves it out because it is tied (then it is the tensor it is tied to).
   */
  public float[] parameter(String name) throws IOException {
    return checkpoint.floats(storedName(name));
  }

  /** As {@link #parameter(String)}, as a read-only buffer (see {@link SafetensorsFile#floatBuffer(String)}). */
  public FloatBuffer parameterBuffer(String name) throws IOException {
    return checkpoint.floatBuffer(storedName(name));
  }

  private String storedName(String name) {
    String stored = weights.stored().get(name);
    if (stored != null) {
      return stored;
    }
    String tiedTo = weights.tied().get(name);
    if (tiedTo != null) {
      return storedName(tiedTo);
    }
    throw new HfWeightsMismatchException(
        name, name + " is not a parameter of the " + config.modelType() + " model in " + source.describe());
  }

  public Optional<HfTokenizerFile> tokenizer() {
    return Optional.ofNullable(tokenizer);
  }

  /**
   * The tokenizer, for continuing the model's pretraining.
   *
   * @throws HfMissingFileException when the directory has no tokenizer.json, saying why it is needed
   */
  public HfTokenizerFile requireTokenizer() {
    if (tokenizer == null) {
      throw new HfMissingFileException(TOKENIZER, missingTokenizer);
    }
    return tokenizer;
  }

  public Optional<HfReadme> readme() {
    return Optional.ofNullable(readme);
  }

  /** What is worth knowing but does not stop the import. */
  public List<String> warnings() {
    return warnings;
  }

  @Override
  public void close() throws IOException {
    checkpoint.close();
  }

  private static String missingTokenizerMessage(HfFileSource source) throws IOException {
    String where = source.describe();
    List<String> others = new ArrayList<>();
    for (String name : OTHER_TOKENIZER_FILES) {
      if (source.exists(name)) {
        others.add(name);
      }
    }
    String found =
        others.isEmpty()
            ? ""
            : " It has " + String.join(", ", others) + ", which Kiln does not read: load them with"
                + " AutoTokenizer.from_pretrained and save_pretrained the result, which writes tokenizer.json.";
    return where
        + " has no "
        + TOKENIZER
        + ". Continuing this model's pretraining needs the model's own tokenizer: its embeddings are indexed by"
        + " that tokenizer's ids, and another tokenizer would feed them the wrong rows."
        + found
        + " Add the model's tokenizer.json to the directory.";
  }

  private static String preview(List<String> names) {
    Stream<String> shown = names.stream().limit(5);
    return shown.collect(Collectors.joining(", ")) + (names.size() > 5 ? ", ..." : "");
  }
}
