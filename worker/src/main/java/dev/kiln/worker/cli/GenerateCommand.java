package dev.kiln.worker.cli;

import ai.djl.Device;
import dev.kiln.activities.evaluation.SavedModel;
import dev.kiln.activities.tokenizer.BpeTokenizer;
import dev.kiln.activities.training.CausalDecoder;
import dev.kiln.activities.training.LanguageModelEvaluator;
import dev.kiln.activities.training.TransformerModel;
import dev.kiln.workflows.training.Objective;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Text from a decoder Kiln trained: greedy by default, or sampled with a temperature and top-k. */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Generate text with a decoder: MODEL is a model directory, a run id or a hub model id.")
final class GenerateCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL", description = "a model directory (e.g. a downloaded runs/<run>/model/), a run id or a hub model id")
  String model;

  @Option(names = "--prompt", required = true, description = "the text to continue")
  String prompt;

  @Option(names = "--max-new-tokens", defaultValue = "64", description = "tokens to generate (default: 64)")
  int maxNewTokens;

  @Option(names = "--temperature", defaultValue = "0", description = "0: greedy (default); above 0: sample from softmax(logits / temperature)")
  double temperature;

  @Option(names = "--top-k", defaultValue = "0", description = "sample only among the k most likely tokens (default: 0, all)")
  int topK;

  @Option(names = "--seed", defaultValue = "0", description = "seed of the sampling (default: 0)")
  long seed;

  @Option(names = "--ids", description = "print the token ids (the prompt's, then the generated) instead of the text")
  boolean printIds;

  @Mixin ModelLocation location;

  @Override
  public Integer call() throws Exception {
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("--max-new-tokens must be at least 1, got " + maxNewTokens);
    }
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("--temperature must be a finite number >= 0 (0: greedy), got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("--top-k must be >= 0 (0: no limit), got " + topK);
    }
    SavedModel saved = location.read(model);
    if (saved.objective() != Objective.CLM) {
      throw new IllegalArgumentException(saved.source() + " is " + saved.objective().architecture() + " ("
          + saved.objective() + "), not a decoder: it does not generate text; score it with `kiln evaluate`");
    }
    try (BpeTokenizer tokenizer = saved.tokenizer(); TransformerModel loaded = saved.load(Device.cpu())) {
      int[] ids = tokenizer.encode(prompt);
      if (ids.length == 0) {
        throw new IllegalArgumentException("--prompt gives no tokens: give some text to continue");
      }
      int[] generated = new LanguageModelEvaluator((CausalDecoder) loaded).generate(ids, maxNewTokens, temperature, topK, seed);
      System.out.println(printIds ? java.util.Arrays.toString(generated) : tokenizer.decode(generated));
    }
    return 0;
  }
}
