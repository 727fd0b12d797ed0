package dev.kiln.bench.curation;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.curation.CurationPipeline;
import dev.kiln.activities.curation.CurationReport;
import dev.kiln.activities.curation.Document;
import dev.kiln.activities.curation.GlobalDeduplication;
import dev.kiln.activities.curation.MinHashDeduplicator;
import dev.kiln.activities.curation.MinHasher;
import dev.kiln.activities.curation.RawDocument;
import dev.kiln.activities.curation.ReferenceTokenCounter;
import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.worker.cli.Paths;
import dev.kiln.workflows.curation.StepStats;
import dev.kiln.workflows.spec.CurationProfile;
import dev.kiln.workflows.spec.RunSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The curation funnel and throughput of a run spec's profile on the fetched corpora, on one thread (so
 * documents per second are per core), sharded as the activities shard. It reads tens of megabytes; run from the
 * repository root with the kiln-bench module's classpath (docs/benchmarks.md):
 * {@code java -cp 'bench/target/kiln-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*' dev.kiln.bench.curation.CurationThroughputBenchmark configs/tiny-gpt.yaml}
 */
public final class CurationThroughputBenchmark {

  public static void main(String[] args) throws IOException {
    RunSpec spec = RunSpecLoader.load(Path.of(args.length > 0 ? args[0] : "configs/tiny-gpt.yaml"));
    Path data = Paths.dataDir(null);
    List<Path> files = new ArrayList<>();
    for (String prefix : spec.data().rawPrefixes()) {
      try (Stream<Path> walk = Files.walk(data.resolve(prefix))) {
        walk.filter(Files::isRegularFile).sorted().forEach(files::add);
      }
    }
    Map<String, List<String>> badWords = new TreeMap<>();
    for (String language : spec.curation().languages()) {
      badWords.put(language, new ObjectMapper().readValue(
          data.resolve("lists/ldnoobw/" + language + ".json").toFile(), new TypeReference<List<String>>() {}));
    }
    CurationPipeline pipeline = new CurationPipeline(spec.curation(), badWords, ReferenceTokenCounter.GPT2);
    CurationProfile.NearDedup near = spec.curation().rules().nearDedup();
    MinHasher minHasher = new MinHasher(near.bands(), near.rows(), near.shingleWords());

    long start = System.nanoTime();
    Map<String, StepStats> funnel = new LinkedHashMap<>();
    List<Document> kept = new ArrayList<>();
    List<int[]> signatures = new ArrayList<>();
    int perShard = spec.data().documentsPerShard();
    for (int from = 0; from < files.size(); from += perShard) {
      List<RawDocument> shard = new ArrayList<>();
      for (Path file : files.subList(from, Math.min(files.size(), from + perShard))) {
        shard.add(RawDocument.of(data.relativize(file).toString(), Files.readAllBytes(file)));
      }
      CurationPipeline.ShardOutcome outcome = pipeline.run(shard);
      outcome.steps().forEach(step -> funnel.merge(step.step(), step, StepStats::plus));
      kept.addAll(outcome.kept());
      outcome.kept().forEach(doc -> signatures.add(minHasher.signature(doc.text())));
    }
    double shardSeconds = (System.nanoTime() - start) / 1e9;
    long dedupStart = System.nanoTime();
    MinHashDeduplicator minHash = new MinHashDeduplicator(near.bands(), near.rows(), signatures.size());
    signatures.forEach(minHash::add);
    List<StepStats> stats = new ArrayList<>(funnel.values());
    GlobalDeduplication dedup = new GlobalDeduplication(spec.curation().rules(), minHash.duplicates(),
        System.nanoTime() - dedupStart, stats.get(stats.size() - 1).tokensKept(), ReferenceTokenCounter.GPT2);
    kept.forEach(dedup::keep);
    stats.addAll(dedup.stats());
    double seconds = (System.nanoTime() - start) / 1e9;

    System.out.println(CurationReport.table(stats));
    System.out.printf("%,d raw documents in %.1f s on one thread: %.0f docs/s per core (shard steps %.1f s)%n",
        files.size(), seconds, files.size() / seconds, shardSeconds);
  }
}
