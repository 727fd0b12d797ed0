package dev.kiln.worker.cli;

import ai.djl.Device;
import dev.kiln.activities.evaluation.ModelCardWriter;
import dev.kiln.activities.evaluation.SavedModel;
import dev.kiln.activities.evaluation.TextScores;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.storage.StorageSettings;
import dev.kiln.activities.tokenizer.BpeTokenizer;
import dev.kiln.activities.training.Seq2SeqModel;
import dev.kiln.activities.training.CausalDecoder;
import dev.kiln.activities.training.TransformerModel;
import dev.kiln.activities.training.UnigramBaseline;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The objective's metric of a model on the user's own text: perplexity for a decoder, pseudo-perplexity and
 * masked-token accuracy for an encoder, span-target perplexity and exact match for an encoder-decoder. The
 * baseline beside it is the text's own unigram distribution (fitted on the same text, so a floor that is easy to
 * beat only for a model that learnt context).
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Score a model on your text with its objective's metric: MODEL is a model directory, a run id or a hub model id.")
final class EvaluateCommand implements Callable<Integer> {
  private static final long MAX_TEXT_BYTES = 256L << 20;

  @Parameters(index = "0", paramLabel = "MODEL", description = "a model directory (e.g. a downloaded runs/<run>/model/), a run id or a hub model id")
  String model;

  @Option(names = "--text", required = true, description = "a UTF-8 text file, or s3://bucket/key")
  String text;

  @Option(names = "--seed", defaultValue = "0", description = "seed of the masking or span corruption (default: 0)")
  long seed;

  @Mixin ModelLocation location;

  @Override
  public Integer call() throws Exception {
    String content = readText();
    SavedModel saved = location.read(model);
    try (BpeTokenizer tokenizer = saved.tokenizer(); TransformerModel loaded = saved.load(Device.cpu())) {
      int[] tokens = tokenizer.encode(content);
      int context = saved.shape().contextLength();
      int needed = saved.objective() == dev.kiln.workflows.training.Objective.CLM ? 2 : context;
      if (tokens.length < needed) {
        throw new IllegalArgumentException(text + " gives " + tokens.length + " tokens; scoring " + saved.objective()
            + " needs at least " + needed + " (one window of the model's context " + context + "): give more text");
      }
      UnigramBaseline baseline = new UnigramBaseline(tokens, saved.shape().vocabSize());
      ModelCardWriter.Metrics m = switch (saved.objective()) {
        case CLM -> TextScores.causal((CausalDecoder) loaded, baseline, tokens);
        case MLM -> TextScores.masked(loaded, baseline, tokens, seed, () -> {});
        case SPAN_CORRUPTION -> TextScores.spanCorruption((Seq2SeqModel) loaded, baseline, tokens, seed, () -> {});
      };
      String metric = switch (saved.objective()) {
        case CLM -> "perplexity";
        case MLM -> "pseudo-perplexity";
        case SPAN_CORRUPTION -> "span-target perplexity";
      };
      System.out.printf(Locale.ROOT, "%s of %s on %s: %.3f (cross-entropy %.4f nats/token, %,d tokens scored);"
              + " the text's own unigram: %.3f%n", metric, saved.source(), text, m.heldOutPerplexity(), m.heldOutLoss(),
          m.tokensEvaluated(), m.unigramPerplexity());
      m.objectiveMetrics().forEach((name, value) -> System.out.printf(Locale.ROOT, "  %s %.4f%n", name, value));
    }
    return 0;
  }

  private String readText() throws Exception {
    byte[] bytes;
    if (text.startsWith("s3://")) {
      URI uri = URI.create(text);
      String key = uri.getPath().replaceFirst("^/", "");
      if (uri.getHost() == null || key.isEmpty()) {
        throw new IllegalArgumentException("--text " + text + " is not s3://bucket/key");
      }
      StorageSettings env = StorageSettings.fromEnvironment();
      String endpoint = location.s3Endpoint != null ? location.s3Endpoint : System.getenv("KILN_S3_ENDPOINT");
      StorageSettings settings = new StorageSettings(endpoint == null ? null : URI.create(endpoint), uri.getHost(),
          env.region(), null, null).withTimeouts(StorageSettings.Timeouts.COMMAND_LINE);
      ObjectStore store = new ObjectStore(settings);
      if (!store.exists(key)) {
        throw new IllegalArgumentException("--text " + text + " does not exist");
      }
      bytes = store.get(key);
    } else {
      Path file = Path.of(text);
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("--text " + text + " is not a file");
      }
      if (Files.size(file) > MAX_TEXT_BYTES) {
        throw new IllegalArgumentException("--text " + text + " is " + Files.size(file) + " bytes; kiln evaluate reads"
            + " at most " + MAX_TEXT_BYTES + " bytes: give a sample");
      }
      bytes = Files.readAllBytes(file);
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new IllegalArgumentException("--text " + text + " is not UTF-8 text: give a text file");
    }
  }
}
