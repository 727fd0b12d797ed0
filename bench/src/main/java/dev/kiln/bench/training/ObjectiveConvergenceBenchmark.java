package dev.kiln.bench.training;

import ai.djl.Device;
import dev.kiln.activities.tokenizer.TokenManifest;
import dev.kiln.activities.tokenizer.TokenShards;
import dev.kiln.activities.training.EncoderDecoderModel;
import dev.kiln.activities.training.EncoderModel;
import dev.kiln.activities.training.GptModel;
import dev.kiln.activities.training.LanguageModelEvaluator;
import dev.kiln.activities.training.MaskedLanguageModelEvaluator;
import dev.kiln.activities.training.PretrainingObjective;
import dev.kiln.activities.training.SpanCorruptionEvaluator;
import dev.kiln.activities.training.Trainer;
import dev.kiln.activities.training.TransformerModel;
import dev.kiln.activities.training.UnigramBaseline;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How far an objective gets against its baseline on a run's curated tokens, measured every few hundred steps
 * with the evaluators the pipeline uses. This is how the configs' step counts and learning rates were chosen.
 * It takes minutes; run its main method with the kiln-bench module's classpath (docs/benchmarks.md) and
 * {@code -Dai.djl.offline=true -Dai.djl.default_engine=PyTorch}.
 *
 * <p>Arguments: the curated directory of a run (holding {@code manifest.json} and the shards, e.g.
 * {@code .kiln/s3/kiln/runs/<run>/curated}), the objective ({@code clm}, {@code mlm}, {@code span-corruption}),
 * then optional {@code key=value} overrides of: steps, lr, minLr, warmup, batch, context, d, layers, heads,
 * evalEvery, heldOut (held-out tokens scored), seed; {@code weights=<model.safetensors>} scores that model instead
 * of training one.
 */
public final class ObjectiveConvergenceBenchmark {

  public static void main(String[] args) throws IOException {
    Path curated = Path.of(args[0]);
    Objective objective = Objective.of(args[1]);
    java.util.Map<String, String> o = new java.util.HashMap<>();
    for (String arg : Arrays.copyOfRange(args, 2, args.length)) {
      o.put(arg.substring(0, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
    }
    int steps = Integer.parseInt(o.getOrDefault("steps", "600"));
    double lr = Double.parseDouble(o.getOrDefault("lr", "0.003"));
    double minLr = Double.parseDouble(o.getOrDefault("minLr", String.valueOf(lr / 10)));
    int warmup = Integer.parseInt(o.getOrDefault("warmup", "50"));
    int batch = Integer.parseInt(o.getOrDefault("batch", "16"));
    int context = Integer.parseInt(o.getOrDefault("context", "64"));
    int d = Integer.parseInt(o.getOrDefault("d", "128"));
    int layers = Integer.parseInt(o.getOrDefault("layers", "2"));
    int heads = Integer.parseInt(o.getOrDefault("heads", "2"));
    int evalEvery = Integer.parseInt(o.getOrDefault("evalEvery", "200"));
    int heldOutTokens = Integer.parseInt(o.getOrDefault("heldOut", "20000"));
    long seed = Long.parseLong(o.getOrDefault("seed", "1234"));

    TokenManifest manifest = TokenManifest.fromJson(Files.readString(curated.resolve("manifest.json")));
    int[] train = read(curated, manifest.train(), manifest.dtype());
    int[] heldOut = read(curated, manifest.heldOut(), manifest.dtype());
    heldOut = Arrays.copyOf(heldOut, Math.min(heldOut.length, heldOutTokens));
    ModelShape shape = new ModelShape(objective.modelVocabSize(manifest.vocabSize(), context), context, d, layers, heads);
    TrainingConfig config = new TrainingConfig(
        shape, objective, batch, steps, lr, minLr, warmup, 0.1, 1.0, 0.0, seed, steps, "cpu", "bench", null);
    UnigramBaseline baseline = new UnigramBaseline(train, shape.vocabSize());
    System.out.printf("%s %s: %,d train tokens, %,d held-out, %s, %s%n",
        objective.id(), curated, train.length, heldOut.length, shape, Arrays.toString(Arrays.copyOfRange(args, 2, args.length)));
    if (o.containsKey("weights")) { // score a saved model (e.g. a run's checkpoint) instead of training one
      try (TransformerModel model = TransformerModel.load(objective, shape, Files.readAllBytes(Path.of(o.get("weights"))), Device.cpu())) {
        System.out.printf("%s: %s%n", o.get("weights"), evaluate(objective, model, baseline, heldOut, seed));
      }
      return;
    }
    PretrainingObjective batches = PretrainingObjective.of(objective, train, shape, batch, seed);
    try (Trainer trainer = new Trainer(shape, config, Device.cpu())) {
      trainer.initialise();
      long began = System.nanoTime();
      double window = 0;
      int inWindow = 0;
      for (int step = 0; step < steps; step++) {
        window += trainer.trainStep(step, batches.batch(step));
        inWindow++;
        if ((step + 1) % 100 == 0) {
          System.out.printf("step %d  %.0f s%n", step + 1, (System.nanoTime() - began) / 1e9);
        }
        if ((step + 1) % evalEvery == 0 || step + 1 == steps) {
          double seconds = (System.nanoTime() - began) / 1e9;
          System.out.printf("step %d  train loss %.3f  %.0f s  %s%n",
              step + 1, window / inWindow, seconds, evaluate(objective, trainer.model(), baseline, heldOut, seed));
          window = 0;
          inWindow = 0;
        }
      }
    }
  }

  private static String evaluate(Objective objective, TransformerModel model, UnigramBaseline baseline, int[] heldOut, long seed) {
    return switch (objective) {
      case CLM -> {
        double loss = new LanguageModelEvaluator((GptModel) model).meanLoss(heldOut, heldOut.length);
        yield String.format("ppl %.1f vs unigram %.1f", Math.exp(loss), baseline.perplexity(heldOut));
      }
      case MLM -> {
        MaskedLanguageModelEvaluator.Scores s =
            new MaskedLanguageModelEvaluator((EncoderModel) model, baseline, () -> {}).evaluate(heldOut, heldOut.length, 2048, seed);
        yield String.format("pseudo-ppl %.1f vs unigram %.1f; masked acc %.3f vs most-frequent %.3f; masked loss %.3f",
            s.pseudoPerplexity(), s.unigramPerplexity(), s.maskedAccuracy(), s.mostFrequentAccuracy(), s.maskedLoss());
      }
      case SPAN_CORRUPTION -> {
        SpanCorruptionEvaluator.Scores s =
            new SpanCorruptionEvaluator((EncoderDecoderModel) model, baseline, () -> {}).evaluate(heldOut, heldOut.length, 128, seed);
        yield String.format("target ppl %.1f vs baseline %.1f; span-content ppl %.1f vs %.1f; exact match %.3f vs %.3f (%d spans)",
            Math.exp(s.loss()), Math.exp(s.baselineLoss()), Math.exp(s.contentLoss()), Math.exp(s.baselineContentLoss()),
            s.exactMatch(), s.baselineExactMatch(), s.spans());
      }
    };
  }

  private static int[] read(Path dir, List<TokenManifest.Shard> shards, String dtype) throws IOException {
    List<byte[]> contents = new ArrayList<>();
    for (TokenManifest.Shard shard : shards) {
      contents.add(Files.readAllBytes(dir.resolve(shard.name())));
    }
    return TokenShards.readAll(contents, dtype);
  }
}
