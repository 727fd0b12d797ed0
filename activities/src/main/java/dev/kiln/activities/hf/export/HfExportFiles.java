package dev.kiln.activities.hf.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The files of a Hugging Face model directory that Kiln exports ({@link HfGpt2Export}, {@link HfLlamaExport}): their
 * names, the order they are written in, and what every architecture writes the same way (the tokenizer's files and
 * the card).
 */
public final class HfExportFiles {
  public static final String CONFIG = "config.json";
  public static final String WEIGHTS = "model.safetensors";
  public static final String GENERATION_CONFIG = "generation_config.json";
  public static final String TOKENIZER = "tokenizer.json";
  public static final String TOKENIZER_CONFIG = SpecialTokens.TOKENIZER_CONFIG;
  public static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";
  public static final String README = "README.md";
  /** The version of transformers the exports were checked against (infra/hf-fixtures/requirements.txt). */
  public static final String TRANSFORMERS_VERSION = "5.24.0";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private HfExportFiles() {}

  /**
   * A directory's files by name, in the order they should be written: weights first, the card last, so that a
   * directory with a card is complete.
   *
   * @throws IllegalArgumentException when the tokenizer has ids the model has not (it was not trained with it)
   */
  static Map<String, byte[]> directory(byte[] weights, Map<String, Object> config, SpecialTokens special,
      byte[] tokenizerJson, int vocabSize, int contextLength, String readme) {
    TokenizerFiles tokenizer = TokenizerFiles.of(tokenizerJson, special);
    if (tokenizer.idCount() > vocabSize) {
      throw new IllegalArgumentException("the tokenizer has id " + (tokenizer.idCount() - 1) + " but the model only "
          + vocabSize + " ids: it was not trained with this tokenizer");
    }
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(WEIGHTS, weights);
    files.put(CONFIG, json(config));
    files.put(GENERATION_CONFIG, json(special.generationConfig()));
    files.put(TOKENIZER, tokenizerJson);
    files.put(TOKENIZER_CONFIG, json(tokenizer.tokenizerConfig(contextLength)));
    files.put(SPECIAL_TOKENS_MAP, json(tokenizer.specialTokensMap()));
    files.put(README, readme.getBytes(StandardCharsets.UTF_8));
    return files;
  }

  /** Writes an export's files into {@code dir} (created if need be; files of the same names are replaced). */
  public static void write(Path dir, Map<String, byte[]> files) {
    try {
      Files.createDirectories(dir);
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        Files.write(dir.resolve(file.getKey()), file.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the Hugging Face export to " + dir, e);
    }
  }

  /** The ids transformers' config.json gives the special tokens (null when the tokenizer has no such token). */
  static void putTokenIds(Map<String, Object> config, SpecialTokens special) {
    config.put("bos_token_id", special.bosId());
    config.put("eos_token_id", special.eosId());
    config.put("pad_token_id", special.padId());
  }

  private static byte[] json(Object value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
