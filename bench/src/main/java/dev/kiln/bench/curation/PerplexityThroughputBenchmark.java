package dev.kiln.bench.curation;

import ai.djl.Device;
import dev.kiln.activities.curation.Document;
import dev.kiln.activities.curation.HtmlTextExtractor;
import dev.kiln.activities.curation.PerplexityFilter;
import dev.kiln.activities.curation.PerplexityScorer;
import dev.kiln.activities.curation.RawDocument;
import dev.kiln.activities.curation.StepOutcome;
import dev.kiln.activities.curation.TextDecoder;
import dev.kiln.activities.evaluation.SavedModel;
import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.tokenizer.BpeTokenizer;
import dev.kiln.activities.tokenizer.ByteLevelBpeTrainer;
import dev.kiln.activities.training.Trainer;
import dev.kiln.worker.cli.Paths;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.scope.ShapeLadder;
import dev.kiln.workflows.spec.CurationStepSpec;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Throughput of the perplexity curation step ({@link PerplexityFilter} with {@code maxPerplexity}, one document at a
 * time, as a worker's shards run it) on the fetched corpora, on one thread: documents and characters per CPU second
 * per reference model. The models are decoders of Kiln's shapes with freshly initialised weights (the cost of a
 * forward pass does not depend on the weights) and a byte-level BPE trained here on the same documents, loaded
 * through {@link PerplexityScorer#load} as the hub's are: size 32 is the tests' tiny reference model
 * (PerplexityFilterTest: vocabulary 300, context 32, d_model 32, 2 layers, 4 heads), the others are rungs of
 * {@link ShapeLadder} at the spec's vocabulary and context. Documents are the spec's raw files,
 * decoded and extracted as curation does, an evenly spaced sample. Run from the repository root with PyTorch on one
 * thread (docs/quality-filter.md):
 * {@code OMP_NUM_THREADS=1 java -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 -cp
 * 'bench/target/kiln-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*' dev.kiln.bench.curation.PerplexityThroughputBenchmark
 * configs/tiny-gpt.yaml 200 32,128}
 */
public final class PerplexityThroughputBenchmark {

  public static void main(String[] args) throws Exception {
    RunSpec spec = RunSpecLoader.load(Path.of(args.length > 0 ? args[0] : "configs/tiny-gpt.yaml"));
    int count = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    List<Integer> sizes = Stream.of((args.length > 2 ? args[2] : "32,128").split(",")).map(Integer::parseInt).toList();
    int maxTokens = Integer.getInteger("kiln.bench.maxTokens", 512);

    List<Document> docs = documents(spec, count);
    long chars = docs.stream().mapToLong(d -> d.text().length()).sum();
    System.out.printf(Locale.ROOT, "%,d documents (%,d characters, median %,d) from %s, maxTokens %d%n", docs.size(),
        chars, docs.stream().mapToInt(d -> d.text().length()).sorted().toArray()[docs.size() / 2],
        spec.data().rawPrefixes(), maxTokens);
    System.out.printf(Locale.ROOT, "%-34s %10s %10s %12s %12s %14s %12s%n", "reference model", "params", "tokens",
        "docs/CPU s", "chars/CPU s", "tokens/CPU s", "docs/wall s");
    for (int size : sizes) {
      ModelShape shape = size == 32 ? null
          : ShapeLadder.shape(size, spec.tokenizer().vocabSize(), spec.training().contextLength())
              .orElseThrow(() -> new IllegalArgumentException("no ladder shape of d_model " + size));
      int vocab = shape == null ? 300 : shape.vocabSize();
      String tokenizerJson = new ByteLevelBpeTrainer(vocab).train(sample(docs, 1_000_000));
      int actualVocab;
      try (BpeTokenizer tokenizer = BpeTokenizer.loadForText(tokenizerJson.getBytes(StandardCharsets.UTF_8), "bench")) {
        actualVocab = tokenizer.vocabSize();
      }
      shape = shape == null ? new ModelShape(actualVocab, 32, 32, 2, 4)
          : new ModelShape(actualVocab, shape.contextLength(), shape.dModel(), shape.layers(), shape.heads());
      SavedModel saved = new SavedModel("bench d_model " + size, Objective.CLM, shape, null, null, null, null,
          initialWeights(shape), tokenizerJson.getBytes(StandardCharsets.UTF_8));
      try (PerplexityScorer scorer = PerplexityScorer.load(saved)) {
        PerplexityFilter step = PerplexityFilter.forShard(scorer,
            new CurationStepSpec.Perplexity("bench", 1000.0, null, maxTokens), List.of());
        for (Document doc : docs.subList(0, Math.min(20, docs.size()))) {
          step.apply(doc); // warm-up: class loading, JIT, the native library's first calls
        }
        // the scorer encodes each whole text, then scores its first maxTokens: how much of the step that encoding is
        long tokens = 0;
        long encodeCpu = processCpuNanos();
        try (BpeTokenizer tokenizer = saved.tokenizer()) {
          for (Document doc : docs) {
            tokens += Math.min(maxTokens + 1, tokenizer.encode(doc.text()).length);
          }
        }
        double encodeSeconds = (processCpuNanos() - encodeCpu) / 1e9;
        long cpu = processCpuNanos();
        long wall = System.nanoTime();
        int kept = 0;
        for (Document doc : docs) {
          if (step.apply(doc) instanceof StepOutcome.Keep) {
            kept++;
          }
        }
        double cpuSeconds = (processCpuNanos() - cpu) / 1e9;
        double wallSeconds = (System.nanoTime() - wall) / 1e9;
        String name = String.format(Locale.ROOT, "d%d x%d h%d ctx%d vocab%d", shape.dModel(), shape.layers(),
            shape.heads(), shape.contextLength(), shape.vocabSize());
        System.out.printf(Locale.ROOT, "%-34s %10s %,10d %12.1f %,12.0f %,14.0f %12.1f   (%.1f s CPU, %.1f s wall, "
            + "%d kept at 1000; encoding the whole texts alone %.1f s CPU)%n", name, String.format(Locale.ROOT, "%,d", shape.parameters()), tokens,
            docs.size() / cpuSeconds, chars / cpuSeconds, tokens / cpuSeconds, docs.size() / wallSeconds, cpuSeconds,
            wallSeconds, kept, encodeSeconds);
      }
    }
  }

  /** An evenly spaced sample of the spec's raw files, decoded and extracted as the pipeline does; empty ones skipped. */
  private static List<Document> documents(RunSpec spec, int count) throws Exception {
    Path data = Paths.dataDir(null);
    List<Path> files = new ArrayList<>();
    for (String prefix : spec.data().rawPrefixes()) {
      try (Stream<Path> walk = Files.walk(data.resolve(prefix))) {
        walk.filter(Files::isRegularFile).sorted().forEach(files::add);
      }
    }
    TextDecoder decoder = new TextDecoder();
    HtmlTextExtractor extractor = new HtmlTextExtractor();
    List<Document> docs = new ArrayList<>();
    double step = Math.max(1.0, (double) files.size() / count);
    for (double i = 0; i < files.size() && docs.size() < count; i += step) {
      Path file = files.get((int) i);
      RawDocument raw = RawDocument.of(data.relativize(file).toString(), Files.readAllBytes(file));
      if (decoder.decode(raw) instanceof StepOutcome.Keep decoded
          && extractor.apply(decoded.document()) instanceof StepOutcome.Keep extracted) {
        docs.add(extracted.document());
      }
    }
    return docs;
  }

  /** Up to {@code maxChars} characters of the documents, each cut to its first 20,000, to train the BPE on. */
  private static List<String> sample(List<Document> docs, int maxChars) {
    List<String> texts = new ArrayList<>();
    int total = 0;
    for (Document doc : docs) {
      String text = doc.text().substring(0, Math.min(doc.text().length(), 20_000));
      texts.add(text);
      total += text.length();
      if (total >= maxChars) {
        break;
      }
    }
    return texts;
  }

  /** The weights of a freshly initialised decoder of that shape, as the trainer saves them. */
  private static byte[] initialWeights(ModelShape shape) {
    TrainingConfig config = TrainingConfig.builder().shape(shape).objective(Objective.CLM).batchSize(1).steps(1)
        .learningRate(1e-3, 1e-4).warmupSteps(0).weightDecay(0.0).gradClip(1.0).seed(7).checkpointEvery(1)
        .device("cpu").manifestKey("bench").build();
    try (Trainer trainer = new Trainer(shape, config, Device.cpu())) {
      trainer.initialise();
      return trainer.modelState();
    }
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private PerplexityThroughputBenchmark() {}
}
