package dev.kiln.activities.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kiln.workflows.training.EncoderFlavor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link BertModel} as the Hugging Face directory transformers' {@code save_pretrained} would: a config.json
 * naming BertForMaskedLM or RobertaForMaskedLM and the model.safetensors of its parameters, whose names are already
 * transformers' (the tied decoder is left out, as transformers leaves it out). {@code AutoModelForMaskedLM
 * .from_pretrained} then computes the same logits (bench/hf/run.sh checks it). The tokenizer is the run's to add.
 */
public final class BertHfExport {
  public static final String CONFIG = "config.json";
  public static final String WEIGHTS = "model.safetensors";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private BertHfExport() {}

  /** Writes config.json and model.safetensors into {@code directory}, creating it. */
  public static void write(BertModel model, Path directory) throws IOException {
    Files.createDirectories(directory);
    // The rate as written (0.1), not the float's widening (0.10000000149011612).
    double dropout = Double.parseDouble(Float.toString(model.dropout.rate()));
    Files.write(directory.resolve(CONFIG), configJson(model.architecture(), dropout));
    Files.write(directory.resolve(WEIGHTS), model.weights());
  }

  /**
   * The config.json fields transformers reads for the maths, plus the dropout the model trained with. RoBERTa's
   * bos/eos ids are left to transformers' defaults: they do not enter the masked-LM maths.
   */
  public static byte[] configJson(BertArchitecture a, double dropout) throws IOException {
    return JSON.writeValueAsBytes(configFields(a, dropout));
  }

  /** The fields of {@link #configJson}, in order, for a config.json that also carries fields of its own. */
  public static Map<String, Object> configFields(BertArchitecture a, double dropout) {
    boolean bert = a.flavor() == EncoderFlavor.BERT;
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("architectures", List.of(bert ? "BertForMaskedLM" : "RobertaForMaskedLM"));
    c.put("model_type", a.flavor().id());
    c.put("vocab_size", a.vocabSize());
    c.put("hidden_size", a.hiddenSize());
    c.put("num_hidden_layers", a.layers());
    c.put("num_attention_heads", a.heads());
    c.put("intermediate_size", a.intermediateSize());
    c.put("hidden_act", a.hiddenAct());
    c.put("max_position_embeddings", a.maxPositionEmbeddings());
    c.put("type_vocab_size", a.typeVocabSize());
    c.put("layer_norm_eps", a.layerNormEps());
    c.put("pad_token_id", a.padTokenId() < 0 ? null : a.padTokenId());
    c.put("tie_word_embeddings", a.tieWordEmbeddings());
    c.put("hidden_dropout_prob", dropout);
    c.put("attention_probs_dropout_prob", dropout);
    c.put("initializer_range", TransformerModel.INIT_STD);
    c.put("is_decoder", false);
    c.put("add_cross_attention", false);
    c.put("dtype", "float32");
    return c;
  }
}
