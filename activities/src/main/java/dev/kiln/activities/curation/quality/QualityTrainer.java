package dev.kiln.activities.curation.quality;

import dev.kiln.activities.curation.Document;
import dev.kiln.activities.curation.GopherQualityFilter;
import dev.kiln.activities.curation.HtmlTextExtractor;
import dev.kiln.activities.curation.RawDocument;
import dev.kiln.activities.curation.StepOutcome;
import dev.kiln.activities.curation.TextDecoder;
import dev.kiln.workflows.spec.CurationStepSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Trains a {@link LinearTextClassifier} as DCLM trains its fastText filter: positives from a reference of text worth
 * training on (books, manuals), negatives from random raw documents, all cut into page-size chunks of about
 * {@code chunkWords} words (so a book and a web page weigh alike, and a long book is many examples). Each source's
 * documents are split into training and held-out documents before chunking, whole documents only: a document's
 * chunks are all on one side. The training set is balanced by dropping a seeded random share of the larger class.
 * The held-out chunks measure the classifier (precision, recall and F1 at score 0.5, AUC) and the baseline, the Gopher
 * quality rules with Gopher's thresholds, on the same chunks.
 */
public final class QualityTrainer {

  /** Gopher's published quality thresholds: the baseline the classifier is measured against. */
  public static final CurationStepSpec.GopherQuality GOPHER_BASELINE =
      new CurationStepSpec.GopherQuality(50, 100_000, 3, 10, 0.1, 0.9, 0.3, 0.8, 2);

  /** Model and training settings; {@link #DEFAULTS} follow fastText's supervised defaults where they apply. */
  public record Settings(int buckets, int dim, int maxWords, int chunkWords, int epochs, double learningRate, long seed,
      double heldOutFraction) {
    public static final Settings DEFAULTS = new Settings(1 << 20, 16, 20_000, 400, 5, 0.1, 0, 0.2);

    public Settings {
      if (chunkWords < 10 || !(heldOutFraction > 0 && heldOutFraction < 1)) {
        throw new IllegalArgumentException("chunkWords must be >= 10 and heldOutFraction in (0, 1), got " + chunkWords
            + " and " + heldOutFraction);
      }
    }
  }

  /** Documents of one source (a prefix) and whether they are the positive reference or the raw negatives. */
  public record Source(String name, boolean positive, List<Document> documents) {}

  /** One page-size piece of a document. */
  record Chunk(String documentId, String text, boolean positive) {}

  private QualityTrainer() {}

  /** Raw objects as the curation pipeline sees them: decoded, and for HTML the extracted text; undecodable ones left out. */
  public static List<Document> extract(List<RawDocument> raw) {
    TextDecoder decoder = new TextDecoder();
    HtmlTextExtractor extractor = new HtmlTextExtractor();
    List<Document> docs = new ArrayList<>();
    for (RawDocument r : raw) {
      if (decoder.decode(r) instanceof StepOutcome.Keep decoded
          && extractor.apply(decoded.document()) instanceof StepOutcome.Keep text) {
        docs.add(text.document());
      }
    }
    return docs;
  }

  public static QualityModel train(List<Source> sources, Settings s, Consumer<String> progress) {
    List<Chunk> train = new ArrayList<>();
    List<Chunk> heldOut = new ArrayList<>();
    int heldOutDocuments = 0;
    for (Source source : sources) {
      if (source.documents().size() < 2) {
        throw new IllegalArgumentException("source " + source.name() + " has " + source.documents().size()
            + " documents with text; a source needs at least 2 (one to train on, one to hold out)");
      }
      List<Document> docs = new ArrayList<>(source.documents());
      docs.sort(Comparator.comparingLong((Document d) -> mix(s.seed(), d.id())).thenComparing(Document::id));
      int held = Math.max(1, Math.min(docs.size() - 1, (int) Math.round(s.heldOutFraction() * docs.size())));
      heldOutDocuments += held;
      for (int i = 0; i < docs.size(); i++) {
        for (String chunk : chunks(docs.get(i).text(), s.chunkWords())) {
          (i < held ? heldOut : train).add(new Chunk(docs.get(i).id(), chunk, source.positive()));
        }
      }
    }
    List<Chunk> balanced = balance(train, s.seed());
    progress.accept("featurising " + balanced.size() + " training chunks");
    LinearTextClassifier classifier = new LinearTextClassifier(s.buckets(), s.dim(), s.maxWords(), s.seed());
    List<LinearTextClassifier.Example> examples = balanced.stream()
        .map(c -> new LinearTextClassifier.Example(classifier.features(c.text()), c.positive())).toList();
    progress.accept("training on " + examples.size() + " chunks for " + s.epochs() + " epochs");
    List<Double> losses = classifier.train(examples, s.epochs(), s.learningRate(), s.seed());

    progress.accept("scoring " + heldOut.size() + " held-out chunks");
    double[] scores = heldOut.stream().mapToDouble(c -> classifier.score(c.text())).toArray();
    boolean[] labels = new boolean[heldOut.size()];
    boolean[] gopherKeeps = new boolean[heldOut.size()];
    GopherQualityFilter gopher = new GopherQualityFilter(GOPHER_BASELINE);
    for (int i = 0; i < heldOut.size(); i++) {
      labels[i] = heldOut.get(i).positive();
      gopherKeeps[i] = gopher.apply(new Document(heldOut.get(i).documentId(), heldOut.get(i).text())) instanceof StepOutcome.Keep;
    }
    double auc = BinaryMetrics.auc(scores, labels);
    BinaryMetrics baselineMetrics = BinaryMetrics.of(gopherKeeps, labels);
    double atRecall = BinaryMetrics.thresholdForRecall(scores, labels, baselineMetrics.recall());
    QualityModelInfo.Evaluation classifierEval =
        new QualityModelInfo.Evaluation("classifier", 0.5, BinaryMetrics.atThreshold(scores, labels, 0.5), auc);
    QualityModelInfo.Evaluation equalRecall = new QualityModelInfo.Evaluation(
        "classifier at the baseline's recall", atRecall, BinaryMetrics.atThreshold(scores, labels, atRecall), auc);
    QualityModelInfo.Evaluation baseline =
        new QualityModelInfo.Evaluation("gopher-quality", Double.NaN, baselineMetrics, Double.NaN);

    double[] rawScores = java.util.stream.Stream.concat(train.stream(), heldOut.stream())
        .filter(c -> !c.positive()).mapToDouble(c -> classifier.score(c.text())).sorted().toArray();
    QualityModelInfo info = new QualityModelInfo(QualityModelInfo.FORMAT, s.buckets(), s.dim(), s.maxWords(), 2,
        s.chunkWords(), s.epochs(), s.learningRate(), s.seed(), s.heldOutFraction(),
        sources.stream().filter(Source::positive).map(Source::name).toList(),
        sources.stream().filter(x -> !x.positive()).map(Source::name).toList(),
        (int) balanced.stream().filter(Chunk::positive).count(), (int) balanced.stream().filter(c -> !c.positive()).count(),
        (int) heldOut.stream().filter(Chunk::positive).count(), (int) heldOut.stream().filter(c -> !c.positive()).count(),
        heldOutDocuments, losses, classifierEval, equalRecall, baseline, percentiles(rawScores));
    return new QualityModel(classifier, info);
  }

  /**
   * Pieces of about {@code words} words cut at line ends (a line longer than a piece, as in a text without line
   * breaks, is cut between words); a short tail joins the piece before it.
   */
  static List<String> chunks(String text, int words) {
    List<String> chunks = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    int count = 0;
    for (String line : lines(text, words)) {
      current.append(line).append('\n');
      count += wordCount(line);
      if (count >= words) {
        chunks.add(current.toString().strip());
        current.setLength(0);
        count = 0;
      }
    }
    String tail = current.toString().strip();
    if (!tail.isEmpty()) {
      if (count < words / 4.0 && !chunks.isEmpty()) {
        chunks.set(chunks.size() - 1, chunks.get(chunks.size() - 1) + "\n" + tail);
      } else {
        chunks.add(tail);
      }
    }
    return chunks;
  }

  /** The text's lines, a line of more than {@code words} words cut into lines of {@code words} words. */
  private static List<String> lines(String text, int words) {
    List<String> lines = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (wordCount(line) <= words) {
        lines.add(line);
        continue;
      }
      String[] split = line.strip().split("\\s+");
      for (int from = 0; from < split.length; from += words) {
        lines.add(String.join(" ", java.util.Arrays.copyOfRange(split, from, Math.min(split.length, from + words))));
      }
    }
    return lines;
  }

  private static int wordCount(String line) {
    String s = line.strip();
    return s.isEmpty() ? 0 : s.split("\\s+").length;
  }

  /** The training chunks with the larger class cut to the smaller one's size, a seeded random choice. */
  private static List<Chunk> balance(List<Chunk> chunks, long seed) {
    List<Chunk> positives = new ArrayList<>(chunks.stream().filter(Chunk::positive).toList());
    List<Chunk> negatives = new ArrayList<>(chunks.stream().filter(c -> !c.positive()).toList());
    if (positives.isEmpty() || negatives.isEmpty()) {
      throw new IllegalArgumentException("training needs positive and negative chunks, got " + positives.size()
          + " positive and " + negatives.size() + " negative");
    }
    SplittableRandom random = new SplittableRandom(seed);
    List<Chunk> larger = positives.size() > negatives.size() ? positives : negatives;
    int keep = Math.min(positives.size(), negatives.size());
    for (int i = larger.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      Chunk t = larger.get(i);
      larger.set(i, larger.get(j));
      larger.set(j, t);
    }
    larger.subList(keep, larger.size()).clear();
    List<Chunk> all = new ArrayList<>(positives);
    all.addAll(negatives);
    return all;
  }

  static List<Double> percentiles(double[] sorted) {
    List<Double> q = new ArrayList<>(101);
    for (int p = 0; p <= 100; p++) {
      if (sorted.length == 0) {
        q.add(0.5);
        continue;
      }
      double position = p / 100.0 * (sorted.length - 1);
      int low = (int) Math.floor(position);
      int high = Math.min(sorted.length - 1, low + 1);
      q.add(sorted[low] + (sorted[high] - sorted[low]) * (position - low));
    }
    return q;
  }

  /** A seeded hash of a document id: which documents are held out depends on nothing but the seed and the id. */
  private static long mix(long seed, String id) {
    long h = 0xcbf29ce484222325L ^ seed;
    for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    return h ^ (h >>> 33);
  }

  static String describe(BinaryMetrics m) {
    return String.format(java.util.Locale.ROOT, "precision %.3f recall %.3f F1 %.3f (kept %d of %d positives, %d of %d negatives)",
        m.precision(), m.recall(), m.f1(), m.truePositives(), m.truePositives() + m.falseNegatives(), m.falsePositives(),
        m.falsePositives() + m.trueNegatives());
  }
}
