package dev.kiln.bench.datatrove;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.curation.C4QualityFilter;
import dev.kiln.activities.curation.CurationPipeline;
import dev.kiln.activities.curation.CurationResources;
import dev.kiln.activities.curation.CurationStep;
import dev.kiln.activities.curation.Document;
import dev.kiln.activities.curation.FineWebQualityFilter;
import dev.kiln.activities.curation.GlobalDeduplication;
import dev.kiln.activities.curation.GopherQualityFilter;
import dev.kiln.activities.curation.GopherRepetitionFilter;
import dev.kiln.activities.curation.HtmlTextExtractor;
import dev.kiln.activities.curation.LanguageFilter;
import dev.kiln.activities.curation.MinHashDeduplicator;
import dev.kiln.activities.curation.MinHasher;
import dev.kiln.activities.curation.RawDocument;
import dev.kiln.activities.curation.ReferenceTokenCounter;
import dev.kiln.activities.curation.StepOutcome;
import dev.kiln.activities.curation.TextDecoder;
import dev.kiln.activities.curation.fasttext.FastTextModel;
import dev.kiln.activities.curation.ingest.IngestDrop;
import dev.kiln.activities.curation.ingest.LocalFiles;
import dev.kiln.activities.curation.ingest.RecordSink;
import dev.kiln.activities.curation.ingest.WarcRecords;
import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.worker.cli.Paths;
import dev.kiln.workflows.curation.StepStats;
import dev.kiln.workflows.spec.CurationProfile;
import dev.kiln.workflows.spec.CurationStepSpec;
import dev.kiln.workflows.spec.RunSpec;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Kiln's half of bench/datatrove/run-warc.sh, and the comparison. Kiln reads the same WARC files as DataTrove
 * (through the product's WARC reader, {@link #readWarc}) with as many tasks as it has worker slots, runs its curation pipeline
 * (decode, extract, language, the profile's steps) shard by shard, MinHash signatures per shard, then exact
 * and near dedup over all shards, and writes the kept documents as JSON lines. It then compares decisions
 * with DataTrove's, step by step, on the same input: for every rule step Kiln's rule is given exactly the
 * text DataTrove's rule saw (bench/datatrove/warc_pipeline.py record), so a disagreement is the rule's.
 *
 * <p>Language identification: with {@code -Dkiln.bench.languageModel=FILE} (run-warc.sh passes the lid.176.ftz that
 * DataTrove's side loads) Kiln's language step uses that fastText model, as a spec's {@code curation.languageModel}
 * does, with the spec's languages and threshold; without it, the built-in n-gram detector.
 *
 * <p>Arguments: SPEC WARC_DIR DATATROVE_RUN_DIR OUT_DIR TASKS. Prints the speed table (documents per second
 * per core, end to end and per stage, both sides), the agreement table and examples of each kind of
 * disagreement; writes OUT_DIR/decisions.jsonl (id, url, step, kiln keep, datatrove keep, reasons).
 */
public final class WarcLikeForLikeBenchmark {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The rule steps both implement, by Kiln's step name. */
  private static final List<String> SHARED_RULES = List.of(
      GopherRepetitionFilter.NAME, GopherQualityFilter.NAME, C4QualityFilter.NAME, FineWebQualityFilter.NAME);

  record TaskResult(List<Document> kept, List<int[]> signatures, Map<String, StepStats> steps, long readNanos,
      long signatureNanos, int records) {}

  record RunResult(double wallSeconds, double cpuSeconds, int records, Map<String, StepStats> steps, long readNanos, long signatureNanos,
      long dedupNanos, long writeNanos, int keptBeforeDedup, List<Document> keptAfterDedup, Set<String> keptBeforeDedupIds) {}

  /** The fastText language model of -Dkiln.bench.languageModel, or null for the built-in detector. */
  private static FastTextModel languageModel;

  /** What the pipeline's steps load: here only the language model, from a local file. */
  private static final CurationResources RESOURCES = new CurationResources() {
    @Override
    public dev.kiln.activities.curation.web.UrlBlocklist urlBlocklist(CurationStepSpec.UrlBlocklist spec) {
      return CurationResources.NONE.urlBlocklist(spec);
    }

    @Override
    public dev.kiln.activities.curation.quality.QualityModel qualityModel(String key) {
      return CurationResources.NONE.qualityModel(key);
    }

    @Override
    public dev.kiln.activities.curation.PerplexityScorer perplexityScorer(String hubId) {
      return CurationResources.NONE.perplexityScorer(hubId);
    }

    @Override
    public FastTextModel languageModel(String key) {
      return languageModel;
    }
  };

  public static void main(String[] args) throws Exception {
    RunSpec spec = RunSpecLoader.load(Path.of(args[0]));
    String modelFile = System.getProperty("kiln.bench.languageModel", "");
    if (!modelFile.isBlank()) {
      languageModel = FastTextModel.load(Path.of(modelFile));
      RunSpec.CurationSpec c = spec.curation();
      spec = new RunSpec(spec.name(), spec.useCase(), spec.budget(), spec.model(), spec.data(),
          new RunSpec.CurationSpec(c.profile(), c.languages(), c.minLanguageConfidence(), c.rules(), modelFile),
          spec.tokenizer(), spec.training(), spec.evaluation(), spec.resilience());
      System.out.printf(Locale.ROOT, "language step: fastText %s (%d labels), languages %s, above %.2f%n", modelFile,
          languageModel.labels().size(), c.languages(), c.minLanguageConfidence());
    } else {
      System.out.println("language step: the built-in n-gram detector (-Dkiln.bench.languageModel=FILE for fastText)");
    }
    Path warcDir = Path.of(args[1]);
    Path datatroveDir = Path.of(args[2]);
    Path out = Path.of(args[3]);
    int tasks = Integer.parseInt(args[4]);
    Files.createDirectories(out);
    List<Path> warcs;
    try (Stream<Path> list = Files.list(warcDir)) {
      warcs = list.filter(p -> p.getFileName().toString().endsWith(".warc.gz")).sorted().toList();
    }
    Map<String, List<String>> badWords = new TreeMap<>();
    Path data = Paths.dataDir(null);
    for (String language : spec.curation().languages()) {
      badWords.put(language, JSON.readValue(
          data.resolve("lists/ldnoobw/" + language + ".json").toFile(), new TypeReference<List<String>>() {}));
    }

    // the first run in a fresh JVM pays for class loading and JIT compilation; a worker runs for hours, so the
    // second is the figure (-Dkiln.bench.runs=1 for a quick look)
    int runs = Integer.getInteger("kiln.bench.runs", 2);
    RunResult warm = null;
    if (runs > 0) {
      RunResult cold = endToEnd(spec, badWords, warcs, tasks, out);
      warm = runs > 1 ? endToEnd(spec, badWords, warcs, tasks, out) : cold;
      Path timingFile = datatroveDir.resolve("datatrove-timing.json");
      if (Files.exists(timingFile)) {
        printSpeed(cold, warm, JSON.readTree(timingFile.toFile()), tasks);
      } else {
        System.out.printf(Locale.ROOT, "no timed DataTrove run in %s: kiln alone, %,d records, %.1f s wall, %.1f s CPU "
            + "(first run %.1f s wall, %.1f s CPU)%n", datatroveDir, warm.records(), warm.wallSeconds(),
            warm.cpuSeconds(), cold.wallSeconds(), cold.cpuSeconds());
        warm.steps().values().forEach(st -> row(st.step(), st.documentsIn(), st.nanos()));
      }
    }
    Map<String, RawDocument> raw = new HashMap<>();
    for (Path warc : warcs) {
      long start = THREADS.getCurrentThreadCpuTime();
      List<RawDocument> read = readWarc(warc);
      double[] entry = STAGE_CPU.computeIfAbsent("read WARC", s -> new double[2]);
      entry[0] += (THREADS.getCurrentThreadCpuTime() - start) / 1e9;
      entry[1] += read.size();
      for (RawDocument doc : read) {
        raw.put(datatroveId(doc.url()), doc);
      }
    }
    compare(spec, raw, warm, datatroveDir, out);
    Map<String, double[]> profile = new LinkedHashMap<>();
    try (Stream<Path> list = Files.list(datatroveDir)) {
      for (Path file : list.filter(p -> p.getFileName().toString().matches("datatrove-profile.*\\.json")).sorted().toList()) {
        JSON.readTree(file.toFile()).fields().forEachRemaining(e -> {
          double[] sum = profile.computeIfAbsent(e.getKey(), k -> new double[2]);
          sum[0] += e.getValue().get("cpu_seconds").asDouble();
          sum[1] += e.getValue().get("documents").asDouble();
        });
      }
    }
    if (!profile.isEmpty()) {
      printStageCpu(profile);
    }
  }

  // ---------------------------------------------------------------- end to end

  private static RunResult endToEnd(RunSpec spec, Map<String, List<String>> badWords, List<Path> warcs, int tasks,
      Path out) throws Exception {
    CurationProfile.NearDedup near = spec.curation().rules().nearDedup();
    MinHasher minHasher = new MinHasher(near.bands(), near.rows(), near.shingleWords());
    long startCpu = processCpuNanos();
    long start = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(tasks);
    List<Future<TaskResult>> futures = new ArrayList<>();
    for (int task = 0; task < tasks; task++) {
      int rank = task;
      futures.add(pool.submit(() -> runTask(spec, badWords, minHasher, warcs, rank, tasks)));
    }
    List<TaskResult> results = new ArrayList<>();
    for (Future<TaskResult> future : futures) {
      results.add(future.get());
    }
    pool.shutdown();

    Map<String, StepStats> steps = new LinkedHashMap<>();
    List<Document> kept = new ArrayList<>();
    List<int[]> signatures = new ArrayList<>();
    long readNanos = 0;
    long signatureNanos = 0;
    int records = 0;
    for (TaskResult result : results) {
      result.steps().forEach((name, stats) -> steps.merge(name, stats, StepStats::plus));
      kept.addAll(result.kept());
      signatures.addAll(result.signatures());
      readNanos += result.readNanos();
      signatureNanos += result.signatureNanos();
      records += result.records();
    }
    long dedupStart = System.nanoTime();
    MinHashDeduplicator minHash = new MinHashDeduplicator(near.bands(), near.rows(), signatures.size());
    signatures.forEach(minHash::add);
    List<StepStats> funnel = new ArrayList<>(steps.values());
    long tokensIn = funnel.get(funnel.size() - 1).tokensKept();
    GlobalDeduplication dedup = new GlobalDeduplication(spec.curation().rules(), minHash.duplicates(),
        System.nanoTime() - dedupStart, tokensIn, ReferenceTokenCounter.GPT2);
    List<Document> deduplicated = new ArrayList<>();
    for (Document doc : kept) {
      if (dedup.keep(doc)) {
        deduplicated.add(doc);
      }
    }
    long dedupNanos = System.nanoTime() - dedupStart;
    long writeStart = System.nanoTime();
    try (BufferedWriter writer = Files.newBufferedWriter(out.resolve("kiln-deduplicated.jsonl"), StandardCharsets.UTF_8)) {
      for (Document doc : deduplicated) {
        writer.write(JSON.writeValueAsString(doc));
        writer.newLine();
      }
    }
    long writeNanos = System.nanoTime() - writeStart;
    double wall = (System.nanoTime() - start) / 1e9;
    double cpu = (processCpuNanos() - startCpu) / 1e9;
    Set<String> keptIds = new HashSet<>();
    kept.forEach(doc -> keptIds.add(datatroveId(doc.url())));
    return new RunResult(wall, cpu, records, steps, readNanos, signatureNanos, dedupNanos, writeNanos, kept.size(),
        deduplicated, keptIds);
  }

  /**
   * The documents of one WARC file that both sides read, in file order: the product reader's (WarcRecords, over
   * the file as curateShard reads a WARC object of the bucket), those typed HTML by their Content-Type, as
   * DataTrove's WarcReader passes on only responses identified as text/html or application/xhtml+xml. Records
   * the reader drops would be a broken fixture.
   */
  static List<RawDocument> readWarc(Path warc) throws IOException {
    LocalFiles files = new LocalFiles(warc.getParent());
    String key = warc.getFileName().toString();
    List<RawDocument> documents = new ArrayList<>();
    List<IngestDrop> drops = new ArrayList<>();
    WarcRecords.read(files, key, 0, files.size(key), new RecordSink() {
      @Override
      public void accept(RawDocument document) {
        if (document.isHtml()) {
          documents.add(document);
        }
      }

      @Override
      public void drop(IngestDrop drop) {
        drops.add(drop);
      }
    });
    if (!drops.isEmpty()) {
      throw new IOException(warc + ": " + drops.size() + " records the reader dropped, first " + drops.get(0));
    }
    return documents;
  }

  /**
   * DataTrove's id of a page: its WARC-Record-ID, which make_warc.py derives from the URL (a name-based UUID,
   * version 5, in the URL namespace), so a Kiln document, whose id is its record's offset, pairs up by its URL.
   */
  static String datatroveId(String url) {
    try {
      java.security.MessageDigest sha1 = java.security.MessageDigest.getInstance("SHA-1");
      java.util.UUID namespace = java.util.UUID.fromString("6ba7b811-9dad-11d1-80b4-00c04fd430c8"); // NAMESPACE_URL
      sha1.update(java.nio.ByteBuffer.allocate(16).putLong(namespace.getMostSignificantBits())
          .putLong(namespace.getLeastSignificantBits()).array());
      byte[] hash = sha1.digest(url.getBytes(StandardCharsets.UTF_8));
      hash[6] = (byte) ((hash[6] & 0x0f) | 0x50);
      hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
      java.nio.ByteBuffer bits = java.nio.ByteBuffer.wrap(hash, 0, 16);
      return "<urn:uuid:" + new java.util.UUID(bits.getLong(), bits.getLong()) + ">";
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

  /** CPU seconds and documents per step of the like-for-like pass, on this thread. */
  private static final Map<String, double[]> STAGE_CPU = new LinkedHashMap<>();

  private static <T> T timed(String step, java.util.function.Supplier<T> work) {
    long start = THREADS.getCurrentThreadCpuTime();
    T result = work.get();
    double[] entry = STAGE_CPU.computeIfAbsent(step, s -> new double[2]);
    entry[0] += (THREADS.getCurrentThreadCpuTime() - start) / 1e9;
    entry[1]++;
    return result;
  }

  /** CPU time of the whole JVM (task threads, JIT, GC): per core figures that do not depend on others' load. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** One worker slot's share: WARC files rank, rank + tasks, ..., read and curated shard by shard. */
  private static TaskResult runTask(RunSpec spec, Map<String, List<String>> badWords, MinHasher minHasher,
      List<Path> warcs, int rank, int tasks) throws IOException {
    CurationPipeline pipeline = new CurationPipeline(spec.curation(), badWords, ReferenceTokenCounter.GPT2, RESOURCES);
    Map<String, StepStats> steps = new LinkedHashMap<>();
    List<Document> kept = new ArrayList<>();
    List<int[]> signatures = new ArrayList<>();
    long readNanos = 0;
    long signatureNanos = 0;
    int records = 0;
    int perShard = spec.data().documentsPerShard();
    for (int i = rank; i < warcs.size(); i += tasks) {
      long readStart = System.nanoTime();
      List<RawDocument> documents = readWarc(warcs.get(i));
      readNanos += System.nanoTime() - readStart;
      records += documents.size();
      for (int from = 0; from < documents.size(); from += perShard) {
        CurationPipeline.ShardOutcome outcome =
            pipeline.run(documents.subList(from, Math.min(documents.size(), from + perShard)));
        outcome.steps().forEach(stats -> steps.merge(stats.step(), stats, StepStats::plus));
        long signatureStart = System.nanoTime();
        for (Document doc : outcome.kept()) {
          signatures.add(minHasher.signature(doc.text()));
        }
        signatureNanos += System.nanoTime() - signatureStart;
        kept.addAll(outcome.kept());
      }
    }
    return new TaskResult(kept, signatures, steps, readNanos, signatureNanos, records);
  }

  private static void printSpeed(RunResult cold, RunResult warm, JsonNode timing, int tasks) {
    double dtWall = timing.get("wall_seconds").asDouble();
    int records = warm.records();
    System.out.printf(Locale.ROOT, "%n== Speed: %,d HTML records, %d tasks each side; per step: docs in / wall seconds inside the "
        + "step summed over tasks (inflated on a busy machine: read the CPU figures); end to end: records / (wall "
        + "seconds x tasks) and records / CPU seconds%n", records, tasks);
    System.out.printf(Locale.ROOT, "%-22s %12s %14s%n", "kiln stage", "docs in", "docs/s/core");
    row("read WARC (jwarc)", records, warm.readNanos());
    for (StepStats s : warm.steps().values()) {
      row(s.step(), s.documentsIn(), s.nanos());
    }
    row("minhash signatures", warm.keptBeforeDedup(), warm.signatureNanos());
    row("exact+near dedup", warm.keptBeforeDedup(), warm.dedupNanos());
    row("write JSONL", warm.keptAfterDedup().size(), warm.writeNanos());
    System.out.printf(Locale.ROOT, "%-22s %12s %14s%n", "datatrove step", "docs in", "docs/s/core");
    timing.get("steps").fields().forEachRemaining(step -> {
      JsonNode stats = step.getValue().get("stats");
      long in = stats.has("total") ? stats.get("total").asLong()
          : stats.has("documents") ? stats.get("documents").asLong() : 0;
      row(step.getKey(), in, (long) (step.getValue().get("seconds").asDouble() * 1e9));
    });
    double dtCpu = timing.get("cpu_seconds").asDouble();
    double kilnCold = records / (cold.wallSeconds() * tasks);
    double kilnWarm = records / (warm.wallSeconds() * tasks);
    double datatrove = records / (dtWall * tasks);
    System.out.printf(Locale.ROOT, "end to end: kiln %.1f s wall, %.1f s CPU (first run in the JVM %.1f s wall, %.1f s CPU);"
        + " datatrove %.1f s wall, %.1f s CPU%n", warm.wallSeconds(), warm.cpuSeconds(), cold.wallSeconds(),
        cold.cpuSeconds(), dtWall, dtCpu);
    System.out.printf(Locale.ROOT, "by wall time: kiln_docs_per_second_per_core=%.1f (first run %.1f), "
        + "datatrove_docs_per_second_per_core=%.1f, ratio=%.2f%n", kilnWarm, kilnCold, datatrove, kilnWarm / datatrove);
    System.out.printf(Locale.ROOT, "by CPU time: kiln_docs_per_cpu_second=%.1f (first run %.1f), "
        + "datatrove_docs_per_cpu_second=%.1f, ratio=%.2f%n", records / warm.cpuSeconds(), records / cold.cpuSeconds(),
        records / dtCpu, (records / warm.cpuSeconds()) / (records / dtCpu));
    System.out.printf(Locale.ROOT, "kept: kiln %,d before dedup, %,d after; datatrove: see its stats%n",
        warm.keptBeforeDedup(), warm.keptAfterDedup().size());
  }

  private static void row(String name, long in, long nanos) {
    System.out.printf(Locale.ROOT, "%-22s %,12d %14.1f%n", name, in, nanos == 0 ? Double.NaN : in / (nanos / 1e9));
  }

  // ---------------------------------------------------------------- agreement

  /** One compared decision. */
  record Decision(String id, String url, String step, boolean kiln, boolean datatrove, String kilnReason,
      String datatroveReason) {}

  private static void compare(RunSpec spec, Map<String, RawDocument> raw, RunResult warm, Path datatroveDir, Path out)
      throws IOException {
    Map<String, CurationStep> rules = new LinkedHashMap<>();
    for (CurationStepSpec step : spec.curation().rules().steps()) {
      if (step instanceof CurationStepSpec.GopherRepetition r) {
        rules.put(GopherRepetitionFilter.NAME, new GopherRepetitionFilter(r));
      } else if (step instanceof CurationStepSpec.GopherQuality q) {
        rules.put(GopherQualityFilter.NAME, new GopherQualityFilter(q));
      } else if (step instanceof CurationStepSpec.C4 c4) {
        rules.put(C4QualityFilter.NAME, new C4QualityFilter(c4));
      } else if (step instanceof CurationStepSpec.FineWeb f) {
        rules.put(FineWebQualityFilter.NAME, new FineWebQualityFilter(f));
      }
    }
    TextDecoder decoder = new TextDecoder();
    HtmlTextExtractor extractor = new HtmlTextExtractor();
    LanguageFilter language = new LanguageFilter(spec.curation().languages(), spec.curation().minLanguageConfidence(),
        languageModel);

    List<Decision> decisions = new ArrayList<>();
    Map<String, Boolean> datatroveReachedEnd = new HashMap<>();
    double similaritySum = 0;
    int similarityCount = 0;
    Map<String, String> kilnText = new HashMap<>();
    Map<String, String> datatroveText = new HashMap<>();
    Set<String> recorded = new HashSet<>();
    List<Path> decisionFiles;
    try (Stream<Path> list = Files.list(datatroveDir)) {
      decisionFiles = list.filter(p -> p.getFileName().toString().matches("datatrove-decisions.*\\.jsonl")).sorted().toList();
    }
    for (Path decisionFile : decisionFiles) {
    try (BufferedReader in = Files.newBufferedReader(decisionFile)) {
      String line;
      while ((line = in.readLine()) != null) {
        JsonNode entry;
        try {
          entry = JSON.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          continue; // the last line of a record file still being written
        }
        String id = entry.get("id").asText();
        String step = entry.get("step").asText();
        boolean dt = entry.get("keep").asBoolean();
        String dtReason = entry.has("reason") ? entry.get("reason").asText() : "";
        RawDocument doc = raw.get(id);
        String url = doc == null ? "" : doc.url();
        String text = entry.has("text") ? entry.get("text").asText() : null;
        if (step.equals("extraction")) {
          recorded.add(id);
          StepOutcome decoded = timed("decode", () -> decoder.decode(doc));
          StepOutcome extracted = decoded instanceof StepOutcome.Keep k
              ? timed("extract", () -> extractor.apply(k.document())) : decoded;
          boolean kiln = extracted instanceof StepOutcome.Keep;
          if (kiln) {
            kilnText.put(id, ((StepOutcome.Keep) extracted).document().text());
          }
          decisions.add(new Decision(id, url, "extraction", kiln, dt, reason(extracted), dtReason));
          if (dt) {
            datatroveText.put(id, text);
          }
          if (kiln && dt) {
            similaritySum += jaccard(kilnText.get(id), text);
            similarityCount++;
          }
          continue;
        }
        if (step.equals("language")) {
          // the same text (DataTrove's extraction) to both language identifiers
          Document same = new Document(id, datatroveText.get(id));
          StepOutcome outcome = timed("language", () -> language.apply(same));
          decisions.add(new Decision(id, url, "language", outcome instanceof StepOutcome.Keep, dt, reason(outcome), dtReason));
          continue;
        }
        CurationStep rule = rules.get(step);
        Document same = new Document(id, text);
        StepOutcome outcome = timed(step, () -> rule.apply(same));
        decisions.add(new Decision(id, url, step, outcome instanceof StepOutcome.Keep, dt, reason(outcome), dtReason));
        boolean reached = entry.get("reached").asBoolean();
        if (step.equals(SHARED_RULES.get(SHARED_RULES.size() - 1))) {
          datatroveReachedEnd.put(id, reached && dt);
        }
      }
    }
    }
    // each side's own pipeline up to dedup, from its own extraction (informative: compounds every step)
    for (String id : warm == null ? Set.<String>of() : recorded) {
      decisions.add(new Decision(id, raw.get(id).url(), "pipeline (own text)", warm.keptBeforeDedupIds().contains(id),
          datatroveReachedEnd.getOrDefault(id, false), "", ""));
    }
    decisions.addAll(nearDedup(spec, datatroveDir, raw));

    try (BufferedWriter writer = Files.newBufferedWriter(out.resolve("decisions.jsonl"), StandardCharsets.UTF_8)) {
      for (Decision d : decisions) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", d.id());
        row.put("url", d.url());
        row.put("step", d.step());
        row.put("kiln", d.kiln());
        row.put("datatrove", d.datatrove());
        row.put("kiln_reason", d.kilnReason());
        row.put("datatrove_reason", d.datatroveReason());
        writer.write(JSON.writeValueAsString(row));
        writer.newLine();
      }
    }
    printAgreement(decisions, similarityCount == 0 ? Double.NaN : similaritySum / similarityCount, similarityCount);
  }

  /**
   * Documents per CPU second per stage, each side on one thread over the same input: the WARC records, the
   * same HTML, and for language and rules DataTrove's extracted text (bench/datatrove/warc_pipeline.py record).
   */
  private static void printStageCpu(Map<String, double[]> datatrove) {
    Map<String, String> theirs = new LinkedHashMap<>();
    theirs.put("read WARC", "read WARC (warcio)");
    theirs.put("decode", null);
    theirs.put("extract", "extract (trafilatura)");
    theirs.put("language", "language (ft176)");
    for (String rule : SHARED_RULES) {
      theirs.put(rule, rule);
    }
    System.out.printf(Locale.ROOT, "%n== Per stage, same input, one thread, CPU time: documents per CPU second%n");
    System.out.printf(Locale.ROOT, "%-20s %8s %12s %12s %8s%n", "stage", "docs", "kiln", "datatrove", "ratio");
    theirs.forEach((ours, their) -> {
      double[] k = STAGE_CPU.get(ours);
      double[] d = their == null ? null : datatrove.get(their);
      double kiln = k == null ? Double.NaN : k[1] / k[0];
      double dt = d == null ? Double.NaN : d[1] / d[0];
      System.out.printf(Locale.ROOT, "%-20s %,8d %12.1f %12.1f %8.2f%n", ours, k == null ? 0 : (long) k[1], kiln, dt,
          kiln / dt);
    });
  }

  private static String reason(StepOutcome outcome) {
    return outcome instanceof StepOutcome.Drop drop ? drop.reason() : "";
  }

  /** Jaccard similarity of the sets of lower-cased words of two texts: how alike two extractions are. */
  static double jaccard(String a, String b) {
    Set<String> x = words(a);
    Set<String> y = words(b);
    if (x.isEmpty() && y.isEmpty()) {
      return 1;
    }
    Set<String> union = new HashSet<>(x);
    union.addAll(y);
    x.retainAll(y);
    return (double) x.size() / union.size();
  }

  private static Set<String> words(String text) {
    Set<String> words = new HashSet<>();
    for (String word : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (!word.isEmpty()) {
        words.add(word);
      }
    }
    return words;
  }

  /**
   * Near dedup on the same input: the documents DataTrove's filters kept (its stage 1 output, in its order)
   * go through Kiln's MinHash; DataTrove's decision is whether they survive its four MinHash stages.
   */
  private static List<Decision> nearDedup(RunSpec spec, Path datatroveDir, Map<String, RawDocument> raw)
      throws IOException {
    if (!Files.isDirectory(datatroveDir.resolve("deduplicated"))) {
      return List.of();
    }
    List<JsonNode> filtered = readJsonl(datatroveDir.resolve("filtered"));
    Set<String> survivors = new HashSet<>();
    for (JsonNode doc : readJsonl(datatroveDir.resolve("deduplicated"))) {
      survivors.add(doc.get("id").asText());
    }
    CurationProfile.NearDedup near = spec.curation().rules().nearDedup();
    MinHasher hasher = new MinHasher(near.bands(), near.rows(), near.shingleWords());
    MinHashDeduplicator dedup = new MinHashDeduplicator(near.bands(), near.rows(), filtered.size());
    for (JsonNode doc : filtered) {
      dedup.add(hasher.signature(doc.get("text").asText()));
    }
    BitSet duplicates = dedup.duplicates();
    List<Decision> decisions = new ArrayList<>();
    for (int i = 0; i < filtered.size(); i++) {
      String id = filtered.get(i).get("id").asText();
      RawDocument doc = raw.get(id);
      decisions.add(new Decision(id, doc == null ? "" : doc.url(), "near-dedup", !duplicates.get(i),
          survivors.contains(id), duplicates.get(i) ? MinHashDeduplicator.NEAR_DUPLICATE : "", ""));
    }
    return decisions;
  }

  private static List<JsonNode> readJsonl(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.toString().endsWith(".jsonl.gz")).sorted().toList();
    }
    List<JsonNode> docs = new ArrayList<>();
    for (Path file : files) {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(
          new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          docs.add(JSON.readTree(line));
        }
      }
    }
    return docs;
  }

  private static void printAgreement(List<Decision> decisions, double similarity, int similarityCount) {
    Map<String, int[]> byStep = new LinkedHashMap<>();
    Map<String, Map<String, List<Decision>>> disagreements = new LinkedHashMap<>();
    for (Decision d : decisions) {
      int[] counts = byStep.computeIfAbsent(d.step(), s -> new int[5]);
      counts[0]++;
      if (d.kiln() == d.datatrove()) {
        counts[1]++;
      } else {
        // language reasons carry the score ("en:0.51"); group by the language alone
        String kind = d.kiln() ? "kiln keeps, datatrove drops (" + d.datatroveReason().replaceAll(":[0-9.]+$", "") + ")"
            : "kiln drops (" + d.kilnReason() + "), datatrove keeps";
        disagreements.computeIfAbsent(d.step(), s -> new TreeMap<>()).computeIfAbsent(kind, k -> new ArrayList<>()).add(d);
      }
      if (d.kiln()) {
        counts[2]++;
      }
      if (d.datatrove()) {
        counts[3]++;
      }
    }
    System.out.printf(Locale.ROOT, "%n== Agreement: same input documents, same keep/drop decision%n");
    System.out.printf(Locale.ROOT, "%-22s %8s %10s %10s %10s%n", "step", "docs", "agreement", "kiln kept", "dt kept");
    byStep.forEach((step, c) -> System.out.printf(Locale.ROOT, "%-22s %,8d %9.2f%% %,10d %,10d%n",
        step, c[0], 100.0 * c[1] / c[0], c[2], c[3]));
    System.out.printf(Locale.ROOT, "extraction: mean word-set Jaccard similarity of the two texts %.3f over %,d "
        + "documents both extracted%n", similarity, similarityCount);
    System.out.printf(Locale.ROOT, "%n== Disagreements by kind (count, up to 3 examples)%n");
    disagreements.forEach((step, kinds) -> kinds.entrySet().stream()
        .sorted((a, b) -> b.getValue().size() - a.getValue().size())
        .limit(6)
        .forEach(kind -> {
          System.out.printf(Locale.ROOT, "%-20s %5d  %s%n", step, kind.getValue().size(), kind.getKey());
          kind.getValue().stream().limit(3).forEach(d -> System.out.printf("    %s%n", d.url()));
        }));
  }
}
