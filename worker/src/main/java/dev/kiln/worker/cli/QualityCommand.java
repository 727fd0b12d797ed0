package dev.kiln.worker.cli;

import dev.kiln.activities.curation.quality.BinaryMetrics;
import dev.kiln.activities.curation.quality.QualityModel;
import dev.kiln.activities.curation.quality.QualityModelInfo;
import dev.kiln.activities.curation.quality.QualityTrainer;
import dev.kiln.activities.curation.quality.QualityTraining;
import dev.kiln.activities.storage.ObjectStore;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kiln quality}: the learned quality filter's model (docs/quality-filter.md). */
@Command(name = "quality", mixinStandardHelpOptions = true,
    description = "Train the quality classifier that the qualityClassifier curation step applies.",
    subcommands = {QualityCommand.Train.class})
final class QualityCommand {

  @Command(name = "train", mixinStandardHelpOptions = true,
      description = "Train a fastText-style quality classifier on objects in the bucket: positives (curated reference"
          + " text) against negatives (random raw documents); writes OUT/weights.bin and OUT/model.json with held-out"
          + " precision, recall and AUC beside the Gopher rules'.")
  static final class Train implements Callable<Integer> {
    @Option(names = "--positive", required = true, description = "prefix of reference documents, e.g. raw/gutenberg/ (repeatable)")
    List<String> positives;

    @Option(names = "--negative", required = true, description = "prefix of random raw documents, e.g. raw/debian-handbook/ (repeatable)")
    List<String> negatives;

    @Option(names = "--out", required = true, description = "prefix to write the model under, e.g. models/quality/books-vs-web/")
    String out;

    @Option(names = "--buckets", defaultValue = "1048576", description = "hash buckets of the word uni- and bigrams (default: 2^20)")
    int buckets;

    @Option(names = "--dim", defaultValue = "16", description = "embedding dimension (default: 16)")
    int dim;

    @Option(names = "--epochs", defaultValue = "5", description = "passes over the training chunks (default: 5)")
    int epochs;

    @Option(names = "--lr", defaultValue = "0.1", description = "initial learning rate, decaying linearly to 0 (default: 0.1)")
    double learningRate;

    @Option(names = "--chunk-words", defaultValue = "400", description = "words per training chunk (default: 400)")
    int chunkWords;

    @Option(names = "--held-out", defaultValue = "0.2", description = "share of each source's documents held out (default: 0.2)")
    double heldOut;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the initialisation, the order and the split (default: 0)")
    long seed;

    @Mixin Endpoints endpoints;

    @Override
    public Integer call() {
      QualityTrainer.Settings settings = new QualityTrainer.Settings(
          buckets, dim, QualityTrainer.Settings.DEFAULTS.maxWords(), chunkWords, epochs, learningRate, seed, heldOut);
      try (ObjectStore store = new ObjectStore(endpoints.storage())) {
        QualityModel model = QualityTraining.run(store, positives, negatives, out, settings, System.err::println);
        QualityModelInfo info = model.info();
        System.out.printf(Locale.ROOT, "model %s: %d+/%d- training chunks, %d+/%d- held-out chunks of %d held-out documents%n",
            QualityModel.prefix(out), info.trainPositives(), info.trainNegatives(), info.heldOutPositives(),
            info.heldOutNegatives(), info.heldOutDocuments());
        print("classifier at 0.5", info.heldOut().metrics());
        System.out.printf(Locale.ROOT, "  AUC %.4f%n", info.heldOut().auc());
        print(String.format(Locale.ROOT, "classifier at %.4f", info.heldOutAtBaselineRecall().threshold()),
            info.heldOutAtBaselineRecall().metrics());
        print("Gopher quality rules", info.baseline().metrics());
        return 0;
      }
    }

    private static void print(String what, BinaryMetrics m) {
      System.out.printf(Locale.ROOT, "  %-24s precision %.3f  recall %.3f  F1 %.3f%n", what, m.precision(), m.recall(), m.f1());
    }
  }
}
